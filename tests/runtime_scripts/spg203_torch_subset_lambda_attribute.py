# SPG203 (torch): a Dataset storing a lambda on self, wrapped in a Subset. The Subset carries
# it to the workers; under spawn pickling the lambda fails with
# AttributeError: Can't pickle local object 'Scaled.__init__.<locals>.<lambda>'.
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: [[0.0, 6.0, 12.0]]
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset, Subset


class Scaled(Dataset):
    def __init__(self, factor):
        self.transform = lambda x: x * factor

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return self.transform(torch.tensor(float(index)))


if __name__ == "__main__":
    loader = DataLoader(Subset(Scaled(3), [0, 2, 4]), batch_size=3, num_workers=2)
    print([batch.tolist() for batch in loader])
