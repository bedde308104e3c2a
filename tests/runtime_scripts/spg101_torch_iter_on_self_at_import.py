# SPG101 (torch): `__init__` keeps `iter(self.loader)` on `self` and `next()` draws from it;
# the object is made at module level, and iter() starts the workers there, while each spawn
# worker bootstraps.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: sums=[10, 35, 60, 85]
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader


class Stream:
    def __init__(self):
        self.loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)
        self.batches = iter(self.loader)

    def sums(self):
        first = int(next(self.batches).sum())
        return [first, *(int(batch.sum()) for batch in self.batches)]


stream = Stream()
print(f"sums={stream.sums()}")
