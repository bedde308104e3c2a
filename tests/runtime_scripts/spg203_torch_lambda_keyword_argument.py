# SPG203 (torch): a Dataset built with `transform=lambda …` stores it; the lambda cannot be
# pickled for the workers under spawn. The fix lifts it to a module-level function named
# after the keyword.
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: [[100.0, 101.0], [102.0, 103.0]]
# fix: SPG203
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset


class Mapped(Dataset):
    def __init__(self, size, transform=None):
        self.size = size
        self.transform = transform

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        x = torch.tensor(float(index))
        return self.transform(x) if self.transform else x


if __name__ == "__main__":
    data = Mapped(4, transform=lambda x: x + 100)
    print([batch.tolist() for batch in DataLoader(data, batch_size=2, num_workers=2)])
