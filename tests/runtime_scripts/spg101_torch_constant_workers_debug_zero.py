# SPG101 negative (torch): the same script with `DEBUG = True`: the constants fold to
# `num_workers=0`, so the loader iterated at module level loads in the main process and no
# worker ever starts. The lambda collate_fn is never pickled either (no SPG201).
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset

DEBUG = True
NUM_WORKERS = 0 if DEBUG else 2
CONFIG = {"batch_size": 5, "workers": NUM_WORKERS}


class Numbers(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, index):
        return torch.tensor(index)


loader = DataLoader(Numbers(), batch_size=CONFIG["batch_size"],
                    num_workers=min(4, CONFIG["workers"]),
                    collate_fn=lambda items: torch.stack(items))
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total}")
