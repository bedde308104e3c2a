# SPG101: a BaseManager subclass of this file, created and started at module level. Its start()
# starts the manager's server process, which under spawn re-imports the script and fails while
# bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# fix: SPG101
# stdout: count=1
from multiprocessing.managers import BaseManager


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self):
        self.count += 1
        return self.count


class CounterManager(BaseManager):
    pass


CounterManager.register("Counter", Counter)

manager = CounterManager()
manager.start()
counter = manager.Counter()
print(f"count={counter.increment()}")
manager.shutdown()
