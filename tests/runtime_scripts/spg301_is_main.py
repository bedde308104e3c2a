# SPG301: `if __name__ is "__main__":` compares identity, not value, so its result depends on
# the interpreter. Measured with CPython 3.10-3.12: the script's __name__ is not the interned
# literal, the condition is False in the parent too, and the script silently does nothing (plus
# a compile-time SyntaxWarning on stderr). From 3.13 the main module's name is interned
# (CPython gh-118527), the condition is True in the parent, False in a spawn child, and the
# script works.
# expect: SPG301
# spawn: ok
# fork: ok
# stdout-from-3.13: total=45
# fix: SPG301
# fixed-stdout: total=45
import multiprocessing as mp


def total_of(values, results):
    results.put(sum(values))


if __name__ is "__main__":
    results = mp.Queue()
    worker = mp.Process(target=total_of, args=(range(10), results))
    worker.start()
    print(f"total={results.get()}")
    worker.join()
