# SPG102: set_start_method("spawn") under a test the child passes too. A spawn child's method
# is "spawn", not None: `!= "forkserver"` is true there, the call runs again and the child dies
# with "context has already been set" (only tests of "no method set yet" protect the call).
# expect: SPG102
# spawn: context-already-set
# fork: context-already-set
# fix: SPG102
# fixed-stdout: sum=5
import multiprocessing as mp

if mp.get_start_method(allow_none=True) != "forkserver":
    mp.set_start_method("spawn")


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
