# SPG101 negative: a SyncManager and a BaseManager subclass started under the main guard (one by
# start(), one by `with`). Their server processes re-import the script without running the
# guard.
# expect: none
# spawn: ok
# forkserver: ok
# fork: ok
# stdout: shared={'a': 1}
# stdout: count=1
from multiprocessing.managers import BaseManager, SyncManager


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self):
        self.count += 1
        return self.count


class CounterManager(BaseManager):
    pass


CounterManager.register("Counter", Counter)

if __name__ == "__main__":
    manager = SyncManager()
    manager.start()
    shared = manager.dict()
    shared["a"] = 1
    print(f"shared={dict(shared)}")
    manager.shutdown()
    with CounterManager() as counters:
        print(f"count={counters.Counter().increment()}")
