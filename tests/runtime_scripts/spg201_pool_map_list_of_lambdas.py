# SPG201: a list of lambdas, assigned to a name, mapped over with Pool.map. Each lambda is a
# task argument: pickle cannot name it, under spawn or fork.
# expect: SPG201
# spawn: pickling
# fork: pickling
# fix: SPG201
# fixed-stdout: [3, 6]
from multiprocessing import Pool


def call_with_two(function):
    return function(2)


if __name__ == "__main__":
    functions = [lambda v: v + 1, lambda v: v * 3]
    with Pool(2) as pool:
        print(pool.map(call_with_two, functions))
