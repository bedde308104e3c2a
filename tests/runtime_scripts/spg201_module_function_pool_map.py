# SPG201 negative: a module-level function as Pool.map's func pickles by reference (its module
# and name), and the child finds it by importing the script as __mp_main__.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: doubled=[0, 2, 4, 6, 8]
import multiprocessing as mp


def double(x):
    return 2 * x


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(f"doubled={pool.map(double, range(5))}")
