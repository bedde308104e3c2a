# SPG101: multiprocessing.context.SpawnProcess started at module level. It spawns whatever the
# start method is, so even under fork the child re-runs this file as __mp_main__, reaches the
# same start() while it is still bootstrapping and dies.
# expect: SPG101
# spawn: bootstrap
# forkserver: bootstrap
# fork: bootstrap
# stdout: total=285
# fixed-stdout: total=285
# fix: SPG101
from multiprocessing.context import SpawnProcess


def sum_of_squares(n):
    print(f"total={sum(i * i for i in range(n))}", flush=True)


worker = SpawnProcess(target=sum_of_squares, args=(10,))
worker.start()
worker.join()
