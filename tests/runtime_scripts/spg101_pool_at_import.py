# SPG101: a Pool created at module level. Each worker re-runs the file, tries to create its own
# Pool while bootstrapping and dies; the Pool replaces dead workers forever, so the parent
# hangs and stderr fills with the same RuntimeError (the harness kills it).
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: squares=[0, 1, 4, 9, 16]
# fix: SPG101
import multiprocessing


def square(x):
    return x * x


with multiprocessing.Pool(2) as pool:
    print(f"squares={pool.map(square, range(5))}")
