# SPG101 negative (torch): the same trainer with its DataLoader on `self`, built at module
# level but run only under the main guard: the workers re-import the script, build a trainer
# (which starts nothing) and never run it.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
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

if __name__ == "__main__":
    print(f"total={trainer.run()}")
