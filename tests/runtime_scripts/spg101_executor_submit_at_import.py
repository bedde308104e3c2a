# SPG101: ProcessPoolExecutor.submit at module level. The worker dies at bootstrap and the
# parent's future fails with BrokenProcessPool.
# expect: SPG101
# spawn: bootstrap
# forkserver: bootstrap
# fork: ok
# stdout: cube=27
# fix: SPG101
from concurrent.futures import ProcessPoolExecutor


def cube(x):
    return x**3


executor = ProcessPoolExecutor(max_workers=1)
future = executor.submit(cube, 3)
print(f"cube={future.result()}")
executor.shutdown()
