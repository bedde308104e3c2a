# SPG101 negative (torch): the same dict comprehension of worker DataLoaders at module level
# (building them starts nothing); the loop over the phases runs under the main guard.
# expect: none
# spawn: ok
# fork: ok
# stdout: train=4
# stdout: val=2
# requires: torch
import torch
from torch.utils.data import TensorDataset, DataLoader

datasets = {"train": TensorDataset(torch.arange(20)), "val": TensorDataset(torch.arange(10))}
dataloaders = {x: DataLoader(datasets[x], batch_size=5, num_workers=2) for x in ["train", "val"]}

if __name__ == "__main__":
    for phase, loader in dataloaders.items():
        batches = 0
        for (inputs,) in loader:
            batches += 1
        print(f"{phase}={batches}")
