# SPG102 negative: set_start_method("spawn") inside the main guard runs only in the parent.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: sum=5
import multiprocessing as mp


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
