# SPG101 (torch): a trainer class stores a DataLoader with num_workers=2 on `self` in
# `__init__` and iterates `self.train_loader` in a method; the trainer is built and run at
# module level, so every spawn worker re-runs the training loop while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=190
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self):
        dataset = TensorDataset(torch.arange(20))
        self.train_loader = DataLoader(dataset, batch_size=5, num_workers=2)

    def run(self):
        total = 0
        for (batch,) in self.train_loader:
            total += int(batch.sum())
        return total


trainer = Trainer()
print(f"total={trainer.run()}")
