# SPG101 with a module-level method call that changes a dict the workers read. The fix keeps
# `CONFIG.update(k=7)` at top level (moved under the guard, workers would read k=1 and print
# wrong numbers without any error) and moves only the executor.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 7, 14]
# fix: SPG101
from concurrent.futures import ProcessPoolExecutor

CONFIG = {"k": 1}
CONFIG.update(k=7)


def scale(x):
    return x * CONFIG["k"]


with ProcessPoolExecutor(2) as ex:
    print(list(ex.map(scale, range(3))))
