# SPG101 (torch): DataLoaders kept in a dict literal, the training one with num_workers=2;
# `for phase in loaders: for batch in loaders[phase]` at module level iterates it while each
# spawn worker bootstraps.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: train=190
# stdout: val=45
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader

loaders = {
    "train": DataLoader(torch.arange(20), batch_size=5, num_workers=2),
    "val": DataLoader(torch.arange(10), batch_size=5),
}
for phase in loaders:
    total = 0
    for batch in loaders[phase]:
        total += int(batch.sum())
    print(f"{phase}={total}")
