# SPG501: a configuration loaded at module level (think `parse_args()` or reading a file) is
# loaded again by each of the two spawn children: three "reading config" lines under spawn,
# one under fork. Only a hint: the script succeeds.
# expect: SPG501
# spawn: ok
# fork: ok
# stdout: reading config
# stdout: total=14
# stdout-spawn: reading config
# stdout-spawn: reading config
# stdout-spawn: reading config
# stdout-spawn: total=14
import multiprocessing as mp


def load_config():
    print("reading config")
    return {"scale": 2}


CONFIG = load_config()


def scaled(value, results):
    results.put(value * CONFIG["scale"])


if __name__ == "__main__":
    results = mp.Queue()
    workers = [mp.Process(target=scaled, args=(value, results)) for value in (3, 4)]
    for worker in workers:
        worker.start()
        worker.join()
    print(f"total={results.get() + results.get()}")
