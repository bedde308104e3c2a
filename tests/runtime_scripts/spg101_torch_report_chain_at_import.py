# SPG101 (torch) through a call chain: `report()` at module level calls `accuracy(loader)`,
# which iterates a DataLoader with workers. The finding is reported on `report()`, the
# module-level statement the guard must go around; the loop and the call in `report()` are
# related locations.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: accuracy=0.5
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.arange(8), torch.tensor([0, 0, 1, 1] * 2))


def accuracy(loader):
    correct = total = 0
    for inputs, labels in loader:
        correct += int((inputs % 2 == labels).sum())
        total += len(labels)
    return correct / total


def report():
    loader = DataLoader(dataset, batch_size=4, num_workers=2)
    print(f"accuracy={accuracy(loader)}")


report()
