# SPG101 with a module-level call of a function that sets a global the workers read
# (`global FACTOR`). The fix keeps `setup()` at top level (moved under the guard, workers
# would fail with NameError) and moves only the Pool.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 3, 6]
# fix: SPG101
import multiprocessing as mp


def setup():
    global FACTOR
    FACTOR = 3


setup()


def work(x):
    return x * FACTOR


with mp.Pool(2) as p:
    print(p.map(work, range(3)))
