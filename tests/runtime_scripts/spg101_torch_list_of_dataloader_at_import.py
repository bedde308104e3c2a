# SPG101 (torch): `list(loader)` at module level iterates a DataLoader with num_workers=2 while
# the script imports. It reads like a constant definition, but it is the worker start, and the
# wrap-in-guard fix must move it (with what follows it, in order).
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: batches=4 cached=4
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset


class Numbers(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        return torch.tensor(index)


loader = DataLoader(Numbers(), batch_size=2, num_workers=2)
batches = list(loader)
cached = tuple(loader)
print(f"batches={len(batches)} cached={len(cached)}")
