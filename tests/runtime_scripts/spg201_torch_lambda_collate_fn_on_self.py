# SPG201 (torch): the DataLoader on `self` gets a lambda collate_fn; the loop runs under the
# guard, but under spawn each worker is sent the collate function and pickling the lambda
# fails in the parent.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# fix: SPG201
# requires: torch
from torch.utils.data import DataLoader


class Summer:
    def __init__(self):
        self.loader = DataLoader(list(range(12)), batch_size=4, num_workers=2,
                                 collate_fn=lambda batch: sum(batch))

    def sums(self):
        return [int(total) for total in self.loader]


if __name__ == "__main__":
    print(f"batch_sums={Summer().sums()}")
