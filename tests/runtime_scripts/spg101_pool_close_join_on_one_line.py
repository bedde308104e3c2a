# SPG101: a Pool at module level, closed and joined on one line (`pool.close(); pool.join()`).
# Statements that share a line move together.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 1, 4, 9]
# fix: SPG101
import multiprocessing as mp


def sq(x):
    return x * x


pool = mp.Pool(2)
print(pool.map(sq, range(4)))
pool.close(); pool.join()
