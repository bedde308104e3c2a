# SPG101: Process reached through an annotated, parenthesised alias and called across a
# backslash continuation. Under spawn the child re-runs this file as __mp_main__, reaches the
# same start() while it is still bootstrapping and dies.
# expect: SPG101
# spawn: bootstrap
# forkserver: bootstrap
# fork: ok
# stdout: total=285
# fix: SPG101
import multiprocessing as mp
from typing import Any


def sum_of_squares(n, results):
    results.put(sum(i * i for i in range(n)))


make: Any = (
    mp.Process
)
results = mp.Queue()
worker = make \
    (target=sum_of_squares, args=(10, results))
worker.start()
print(f"total={results.get()}")
worker.join()
