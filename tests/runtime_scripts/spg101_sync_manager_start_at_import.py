# SPG101: SyncManager().start() at module level. Starting a manager starts its server process;
# under spawn that process re-imports the script, reaches start() again while bootstrapping and
# dies with the bootstrap RuntimeError (the parent then fails with EOFError). Fork does not
# re-import the script.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# fix: SPG101
# stdout: shared={'a': 1}
from multiprocessing.managers import SyncManager

manager = SyncManager()
manager.start()
shared = manager.dict()
shared["a"] = 1
print(f"shared={dict(shared)}")
manager.shutdown()
