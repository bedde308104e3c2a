# SPG102: set_start_method("spawn") at module level with the Process under the guard. The child
# re-runs the file after its start method has been set and dies with "context has already been
# set"; the parent waits forever for its result. The script asks for spawn itself, so it fails
# on Linux with fork as the default too.
# expect: SPG102
# spawn: context-already-set
# fork: context-already-set
# fix: SPG102
# fixed-stdout: sum=5
import multiprocessing as mp

mp.set_start_method("spawn")


def add(a, b, results):
    results.put(a + b)


if __name__ == "__main__":
    results = mp.Queue()
    worker = mp.Process(target=add, args=(2, 3, results))
    worker.start()
    print(f"sum={results.get()}")
    worker.join()
