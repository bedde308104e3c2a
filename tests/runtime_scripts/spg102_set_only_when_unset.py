# SPG102 negative: the conditional idiom. A spawn child has its start method set before it
# re-runs the script, so get_start_method(allow_none=True) is not None there and the
# set_start_method call is skipped; only the parent runs it.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: sum=5
import multiprocessing as mp

if mp.get_start_method(allow_none=True) is None:
    mp.set_start_method("spawn")


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
