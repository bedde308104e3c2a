# SPG101 (torch): a DataLoader subclass whose own `__init__` asks for num_workers=2 in its
# `super().__init__(...)` call; iterating one at module level starts the workers, which
# re-run the loop while bootstrapping under spawn.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=190
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader as Loader


class FastLoader(Loader):
    def __init__(self, dataset):
        super().__init__(dataset, batch_size=5, num_workers=2, persistent_workers=False)


total = 0
for batch in FastLoader(torch.arange(20)):
    total += int(batch.sum())
print(f"total={total}")
