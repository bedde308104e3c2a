# SPG101 negative: the main guard may sit inside a function called at module level. `run()`
# runs in every spawn child too, but there `__name__` is "__mp_main__" and the guarded Pool is
# never created.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: squares=[0, 1, 4]
# stdout: total=5
import multiprocessing as mp


def square(x):
    return x * x


def total(values):
    with mp.Pool(2) as pool:
        return sum(pool.map(square, values))


def run():
    if __name__ == "__main__":
        with mp.Pool(2) as pool:
            print(f"squares={pool.map(square, range(3))}")
        # Every call path to total() passes through the guard.
        print(f"total={total(range(3))}")


run()
