# SPG101 (torch): `dataloaders` built by a dict comprehension (the transfer-learning
# tutorial's form), each with num_workers=2, and `dataloaders[phase]` iterated at module
# level in a loop over the phases.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: train=4
# stdout: val=2
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import TensorDataset, DataLoader

datasets = {"train": TensorDataset(torch.arange(20)), "val": TensorDataset(torch.arange(10))}
dataloaders = {x: DataLoader(datasets[x], batch_size=5, num_workers=2) for x in ["train", "val"]}
for phase in ["train", "val"]:
    batches = 0
    for (inputs,) in dataloaders[phase]:
        batches += 1
    print(f"{phase}={batches}")
