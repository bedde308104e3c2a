# SPG203 negative (torch): a ConcatDataset of a plain dataset and a Subset of another; every
# wrapped dataset keeps only picklable state, so the workers unpickle them under spawn.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=12
# requires: torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset


def double(x):
    return 2 * x


class Mapped(Dataset):
    def __init__(self, size, transform=None):
        self.size = size
        self.transform = transform

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return self.transform(index) if self.transform else index


if __name__ == "__main__":
    data = ConcatDataset([Mapped(4), Subset(Mapped(4, transform=double), [1, 2])])
    loader = DataLoader(data, batch_size=2, num_workers=2)
    print(f"total={sum(int(batch.sum()) for batch in loader)}")
