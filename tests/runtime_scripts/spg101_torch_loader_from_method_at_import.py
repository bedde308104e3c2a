# SPG101 (torch): a method builds and returns the DataLoader (`self.make_loader()`) and
# another method iterates what it returns; `Experiment().fit()` at module level runs that
# loop in every spawn worker while it bootstraps.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: batches=4
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader


class Experiment:
    def make_loader(self):
        return DataLoader(torch.arange(20), batch_size=5, num_workers=2)

    def fit(self):
        count = 0
        for _ in self.make_loader():
            count += 1
        print(f"batches={count}")


Experiment().fit()
