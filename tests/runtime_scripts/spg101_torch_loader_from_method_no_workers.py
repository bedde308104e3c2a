# SPG101 negative (torch): the method returns a DataLoader with num_workers=0, so iterating
# it at module level loads in the main process and starts no worker.
# expect: none
# spawn: ok
# fork: ok
# stdout: batches=4
# requires: torch
import torch
from torch.utils.data import DataLoader


class Experiment:
    def make_loader(self):
        return DataLoader(torch.arange(20), batch_size=5, num_workers=0)

    def fit(self):
        count = 0
        for _ in self.make_loader():
            count += 1
        print(f"batches={count}")


Experiment().fit()
