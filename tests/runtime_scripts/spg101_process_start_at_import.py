# SPG101: Process.start() at module level. Under spawn the child re-runs this file as
# __mp_main__, reaches the same start() while it is still bootstrapping and dies; the parent
# then waits forever for a result that never comes (the harness kills it).
# expect: SPG101
# spawn: bootstrap
# forkserver: bootstrap
# fork: ok
# stdout: total=285
# fix: SPG101
import multiprocessing as mp


def sum_of_squares(n, results):
    results.put(sum(i * i for i in range(n)))


results = mp.Queue()
worker = mp.Process(target=sum_of_squares, args=(10, results))
worker.start()
print(f"total={results.get()}")
worker.join()
