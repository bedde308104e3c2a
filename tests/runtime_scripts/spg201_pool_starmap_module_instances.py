# SPG201 negative: Pool.starmap and Pool.map over literals of module-level class instances and
# functions. Everything in them pickles by reference.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: [3, 7]
# stdout: [2, 4]
from multiprocessing import Pool


class Box:
    def __init__(self, value):
        self.value = value


def add(box, other):
    return box.value + other


def double(value):
    return value * 2


def apply(function_and_value):
    function, value = function_and_value
    return function(value)


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.starmap(add, [(Box(1), 2), (Box(3), 4)]))
        print(pool.map(apply, [(double, 1), (double, 2)]))
