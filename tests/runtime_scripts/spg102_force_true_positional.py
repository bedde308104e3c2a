# SPG102 negative: set_start_method("spawn", True) at module level. force is the second
# parameter, so the positional True replaces the method the child was given instead of raising,
# exactly like force=True.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: sum=5
import multiprocessing as mp

mp.set_start_method("spawn", True)


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
