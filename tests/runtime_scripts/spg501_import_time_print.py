# SPG501: module-level work outside the guard runs again in every spawn worker. Only a hint: the
# script succeeds, but "loading table" is printed once per process (parent + 1 worker under
# spawn; parent + the forkserver process under forkserver; only the parent under fork).
# expect: SPG501
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: loading table
# stdout: total=4950
# stdout-spawn: loading table
# stdout-spawn: loading table
# stdout-spawn: total=4950
# stdout-forkserver: loading table
# stdout-forkserver: loading table
# stdout-forkserver: total=4950
from concurrent.futures import ProcessPoolExecutor

print("loading table")
TABLE = list(range(100))


def total(values):
    return sum(values)


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=1) as executor:
        print(f"total={executor.submit(total, TABLE).result()}")
