# SPG101: `__name__ == "__main__" or main()` is the opposite of a guard: `or` calls main() only
# when the comparison is false, which is in every spawn child. The guarded Pool starts children
# that re-run the script, reach main() and try to create a Pool while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4]
# fix: SPG101
import multiprocessing as mp


def square(x):
    return x * x


def main():
    with mp.Pool(2) as pool:
        print(f"again={pool.map(square, range(3))}")


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(3))}")

__name__ == "__main__" or main()
