# SPG101 negative (torch): the same chain, but `report()` returns at once in a spawn child
# (`if __name__ == "__mp_main__": return`), so only the parent iterates the loader.
# expect: none
# spawn: ok
# fork: ok
# stdout: accuracy=0.5
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
    if __name__ == "__mp_main__":
        return
    loader = DataLoader(dataset, batch_size=4, num_workers=2)
    print(f"accuracy={accuracy(loader)}")


report()
