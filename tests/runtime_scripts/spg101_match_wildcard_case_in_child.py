# SPG101: after `case "__main__":`, a `case _:` matches exactly the names the first case does
# not, "__mp_main__" among them: its Pool is created in every spawn child, while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4]
# fix: SPG101
import multiprocessing as mp


def square(x):
    return x * x


match __name__:
    case "__main__":
        with mp.Pool(2) as pool:
            print(f"squares={pool.map(square, range(3))}")
    case _:
        with mp.Pool(2) as pool:
            print(f"imported={pool.map(square, range(3))}")
