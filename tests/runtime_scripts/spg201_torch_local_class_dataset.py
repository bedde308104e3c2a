# SPG201 (torch): an instance of a class defined inside a function used as a DataLoader dataset
# with workers. Under spawn the dataset is pickled for each worker and a local class has no
# importable name.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: batches=[[0, 2, 4], [6, 8, 10]]
# fix: SPG201
# requires: torch
from torch.utils.data import DataLoader, Dataset


def build_loader():
    class Evens(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, index):
            return 2 * index

    return DataLoader(Evens(), batch_size=3, num_workers=2)


if __name__ == "__main__":
    print(f"batches={[batch.tolist() for batch in build_loader()]}")
