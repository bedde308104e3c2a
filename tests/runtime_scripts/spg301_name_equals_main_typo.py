# SPG301: `if __name__ == "main":` is never true (the name is "__main__"), so the script
# silently does nothing under every start method: no error, and no output.
# expect: SPG301
# spawn: ok
# fork: ok
# fix: SPG301
# fixed-stdout: doubled=[0, 2, 4, 6, 8]
import multiprocessing as mp


def double(x):
    return 2 * x


if __name__ == "main":
    with mp.Pool(2) as pool:
        print(f"doubled={pool.map(double, range(5))}")
