# SPG101 (torch): a DataLoader with num_workers=2 iterated at module level. Its workers re-run
# the file, iterate their own DataLoader while bootstrapping and die.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=190
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset


class Numbers(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, index):
        return torch.tensor(index)


loader = DataLoader(Numbers(), batch_size=5, num_workers=2)
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total}")
