# SPG102: set_start_method("spawn") in a try whose handler catches ValueError only. The
# RuntimeError the child gets when it re-runs the call passes through and kills it.
# expect: SPG102
# spawn: context-already-set
# fork: context-already-set
# fix: SPG102
# fixed-stdout: sum=5
import multiprocessing as mp

try:
    mp.set_start_method("spawn")
except ValueError:
    pass


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
