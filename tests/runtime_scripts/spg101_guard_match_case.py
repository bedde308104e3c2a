# SPG101 negative: `match __name__:` with `case "__main__":` is a main guard: a spawn child's
# `__name__` is "__mp_main__", matches no case, and creates no Pool.
# expect: none
# spawn: ok
# fork: ok
# stdout: squares=[0, 1, 4]
import multiprocessing as mp


def square(x):
    return x * x


match __name__:
    case "__main__":
        with mp.Pool(2) as pool:
            print(f"squares={pool.map(square, range(3))}")
