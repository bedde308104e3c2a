# SPG601: an explicit fork context. It ignores the default start method, so even this
# module-level Pool runs on Linux when the default is spawn; but fork does not exist on Windows
# (ValueError: cannot find context for 'fork') and is unsafe on macOS. Windows is not available
# to these tests, so they assert the analyser's verdict and that it runs on Linux.
# expect: SPG601
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: squares=[0, 1, 4, 9, 16]
import multiprocessing as mp


def square(x):
    return x * x


context = mp.get_context("fork")
with context.Pool(2) as pool:
    print(f"squares={pool.map(square, range(5))}")
