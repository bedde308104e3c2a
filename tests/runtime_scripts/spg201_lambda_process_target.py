# SPG201: a lambda as Process target. Under spawn the parent must pickle the target by
# reference and a lambda has no importable name: start() raises a PicklingError. Fork copies the
# process instead of pickling the target, so it works there.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: answer=42
# fix: SPG201
import multiprocessing as mp

if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=lambda queue: queue.put(6 * 7), args=(results,))
    worker.start()
    print(f"answer={results.get()}")
    worker.join()
