# SPG301: `if __name__ in ("__main__", "__mp_main__"):` is also true in a spawn child, which
# re-runs the script as __mp_main__ and starts a Process while bootstrapping.
# expect: SPG101 SPG301
# spawn: bootstrap
# forkserver: bootstrap
# fork: ok
# stdout: total=45
# fix: SPG301
import multiprocessing as mp


def total_of(values, results):
    results.put(sum(values))


if __name__ in ("__main__", "__mp_main__"):
    results = mp.Queue()
    worker = mp.Process(target=total_of, args=(range(10), results))
    worker.start()
    print(f"total={results.get()}")
    worker.join()
