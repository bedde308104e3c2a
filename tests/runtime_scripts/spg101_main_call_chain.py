# SPG101 through a call chain: `def main()` alone is fine, but the bare `main()` call at module
# level runs it again in every spawn child: main() → run_workers() → Process.start().
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=5105
# fix: SPG101
import multiprocessing as mp


def count_to(n, results):
    results.put(sum(range(n + 1)))


def run_workers(results):
    workers = [mp.Process(target=count_to, args=(n, results)) for n in (10, 100)]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total


def main():
    results = mp.Queue()
    print(f"total={run_workers(results)}")


main()
