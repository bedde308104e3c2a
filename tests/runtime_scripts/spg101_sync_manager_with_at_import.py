# SPG101: `with SyncManager() as manager:` at module level. Entering the block starts the
# manager (BaseManager.__enter__ calls start()), whose server process under spawn re-imports
# the script and fails while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# fix: SPG101
# stdout: items=[1, 2]
from multiprocessing.managers import SyncManager

with SyncManager() as manager:
    items = manager.list([1, 2])
    print(f"items={list(items)}")
