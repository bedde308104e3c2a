# SPG101: the `else` of `__name__ != "__main__"` is guarded, but not the `else` of
# `__name__ != "__main__" and os.environ.get("SKIP_WORKERS")`: in a spawn child (where SKIP_WORKERS
# is unset) that condition is false too, so the child creates the Pool while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4]
# fix: SPG101
import multiprocessing as mp
import os


def square(x):
    return x * x


if __name__ != "__main__" and os.environ.get("SKIP_WORKERS"):
    pass
else:
    with mp.Pool(2) as pool:
        print(f"squares={pool.map(square, range(3))}")
