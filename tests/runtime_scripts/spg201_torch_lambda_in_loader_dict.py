# SPG201 (torch): of two DataLoaders in a dict, iterated under the guard, the "val" one has a
# lambda collate_fn; under spawn that lambda is pickled for its workers and fails.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: train=[6, 22, 38]
# stdout: val=[6, 22, 38]
# fix: SPG201
# requires: torch
from torch.utils.data import DataLoader


def add_up(batch):
    return sum(batch)


if __name__ == "__main__":
    loaders = {
        "train": DataLoader(list(range(12)), batch_size=4, num_workers=2, collate_fn=add_up),
        "val": DataLoader(list(range(12)), batch_size=4, num_workers=2,
                          collate_fn=lambda batch: sum(batch)),
    }
    for phase in loaders:
        print(f"{phase}={[int(total) for total in loaders[phase]]}")
