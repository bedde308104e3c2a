# SPG101 (torch): the worker count is decided by module constants — `DEBUG = False` makes
# `NUM_WORKERS = 0 if DEBUG else 2`, and the loader takes `min(4, CONFIG["workers"])` from a
# literal dict — so it is provably 2. Iterated at module level, every spawned worker re-runs
# the file, starts its own workers while bootstrapping and dies.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=190
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset

DEBUG = False
NUM_WORKERS = 0 if DEBUG else 2
CONFIG = {"batch_size": 5, "workers": NUM_WORKERS}


class Numbers(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, index):
        return torch.tensor(index)


loader = DataLoader(Numbers(), batch_size=CONFIG["batch_size"],
                    num_workers=min(4, CONFIG["workers"]))
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total}")
