# SPG102 negative: the try/except idiom. The child re-runs set_start_method("spawn") at module
# level and gets "RuntimeError: context has already been set", but the handler catches it and
# the child carries on.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: sum=5
import multiprocessing as mp

try:
    mp.set_start_method("spawn")
except RuntimeError:
    pass


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
