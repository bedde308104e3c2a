# SPG202: a function defined inside the main guard as Process target. Pickling by reference
# succeeds in the parent; the child cannot find the function after re-importing the script and
# dies, and the parent waits forever for its result.
# expect: SPG202
# spawn: pickling
# forkserver: pickling
# fork: ok
# stdout: total=45
# fix: SPG202
import multiprocessing as mp

if __name__ == "__main__":

    def total_of(values, results):
        results.put(sum(values))

    results = mp.Queue()
    worker = mp.Process(target=total_of, args=(range(10), results))
    worker.start()
    print(f"total={results.get()}")
    worker.join()
