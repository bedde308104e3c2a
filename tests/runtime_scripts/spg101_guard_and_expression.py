# SPG101 negative: `__name__ == "__main__" and main()` is a main guard written as an expression:
# `and` stops at the false comparison in a spawn child, so main() runs only in the parent.
# expect: none
# spawn: ok
# fork: ok
# stdout: squares=[0, 1, 4]
import multiprocessing as mp


def square(x):
    return x * x


def main():
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(3))}")


__name__ == "__main__" and main()
