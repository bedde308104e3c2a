# SPG201: functools.partial of a lambda as Process target. A partial pickles its function by
# reference, so wrapping the lambda does not help under spawn.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: product=42
# fix: SPG201
import functools
import multiprocessing as mp

if __name__ == "__main__":
    results = mp.Queue()
    task = functools.partial(lambda factor, value, queue: queue.put(factor * value), 3)
    worker = mp.Process(target=task, args=(14, results))
    worker.start()
    print(f"product={results.get()}")
    worker.join()
