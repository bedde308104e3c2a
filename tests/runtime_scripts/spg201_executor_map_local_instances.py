# SPG201: ProcessPoolExecutor.map over a comprehension that builds instances of a local class.
# Every item is pickled as a task argument (under fork too) and the class has no importable
# name.
# expect: SPG201
# spawn: pickling
# fork: pickling
# fix: SPG201
# fixed-stdout: [0, 2, 4]
from concurrent.futures import ProcessPoolExecutor


def double(box):
    return box.value * 2


def main():
    class Box:
        def __init__(self, value):
            self.value = value

    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(double, (Box(i) for i in range(3)))))


if __name__ == "__main__":
    main()
