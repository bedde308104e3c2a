# SPG203 (torch): a Dataset built with a list holding a lambda stores it; under spawn the list
# is pickled with the dataset for each worker and the lambda cannot be. (With several lambdas
# in the list no lift fix is offered: lifting one would leave the finding.)
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: [[2.0, 4.0], [6.0, 8.0]]
# fix: SPG203
# requires: torch
import torch
from torch.utils.data import DataLoader, Dataset


def double(x):
    return x * 2


class Pipeline(Dataset):
    def __init__(self, transforms):
        self.transforms = transforms

    def __len__(self):
        return 4

    def __getitem__(self, index):
        x = torch.tensor(float(index))
        for transform in self.transforms:
            x = transform(x)
        return x


if __name__ == "__main__":
    data = Pipeline([lambda x: x + 1, double])
    print([batch.tolist() for batch in DataLoader(data, batch_size=2, num_workers=2)])
