# SPG101 with a module-level loop that fills a table the workers read. The fix moves only the
# Pool under the guard: the loop stays at top level, so each spawned worker fills its own
# TABLE when it re-imports the script (moving the loop too would leave workers an empty
# TABLE and a KeyError).
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0, 10, 20, 30]
# fix: SPG101
import multiprocessing as mp

TABLE = {}
for i in range(4):
    TABLE[i] = i * 10


def look(x):
    return TABLE[x]


with mp.Pool(2) as p:
    print(p.map(look, range(4)))
