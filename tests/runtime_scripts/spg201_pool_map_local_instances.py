# SPG201: instances of a class defined inside main() as the items of the list given to
# Pool.map. Each item is pickled as a task argument, and pickle cannot name the local class;
# tasks are pickled under fork too, so it fails there as well.
# expect: SPG201
# spawn: pickling
# fork: pickling
# fix: SPG201
# fixed-stdout: [2, 4]
from multiprocessing import Pool


def double(box):
    return box.value * 2


def main():
    class Box:
        def __init__(self, value):
            self.value = value

    with Pool(2) as pool:
        print(pool.map(double, [Box(1), Box(2)]))


if __name__ == "__main__":
    main()
