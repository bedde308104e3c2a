# SPG301 inside a function: `if __name__ in ("__main__", "__mp_main__"):` is also true in spawn
# children, so run() (called at module level) creates the Pool again in every child, while it
# bootstraps. The guard model evaluates guards at any depth, not only at module level.
# expect: SPG101 SPG301
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4]
# fix: SPG101 SPG301
import multiprocessing as mp


def square(x):
    return x * x


def run():
    if __name__ in ("__main__", "__mp_main__"):
        with mp.Pool(2) as pool:
            print(f"squares={pool.map(square, range(3))}")


run()
