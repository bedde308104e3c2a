# SPG101 negative (torch): the DataLoader subclass with workers asked for in its own
# `__init__`, made at module level (which starts nothing) and iterated under the main guard.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader as Loader


class FastLoader(Loader):
    def __init__(self, dataset):
        super().__init__(dataset, batch_size=5, num_workers=2, persistent_workers=False)


loader = FastLoader(torch.arange(20))

if __name__ == "__main__":
    total = 0
    for batch in loader:
        total += int(batch.sum())
    print(f"total={total}")
