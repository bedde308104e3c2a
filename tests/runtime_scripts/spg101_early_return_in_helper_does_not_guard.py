# SPG101: the early return sits in a helper, so it returns from the helper only. `main()`
# still creates the Pool in every spawn child, which dies while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4, 9]
# fix: SPG101
import multiprocessing as mp


def square(x):
    return x * x


def only_in_parent():
    if __name__ != "__main__":
        return


def main():
    only_in_parent()
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(4))}")


main()
