# SPG102 negative: set_start_method("spawn", force=True) at module level is re-run by the child
# too, but force=True replaces the method the child was given instead of raising.
# expect: none
# spawn: ok
# fork: ok
# stdout: sum=5
import multiprocessing as mp

mp.set_start_method("spawn", force=True)


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
