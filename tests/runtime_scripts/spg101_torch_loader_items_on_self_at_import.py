# SPG101 (torch): a trainer keeps its loaders in a dict on `self` and its epoch loop runs
# `for phase, loader in self.loaders.items()`; the trainer runs at module level, so the
# spawn workers re-run the epoch while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: train=190
# stdout: val=45
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader


class Trainer:
    def __init__(self):
        self.loaders = dict(
            train=DataLoader(torch.arange(20), batch_size=5, num_workers=2),
            val=DataLoader(torch.arange(10), batch_size=5, num_workers=2),
        )

    def epoch(self):
        for phase, loader in self.loaders.items():
            print(f"{phase}={sum(int(batch.sum()) for batch in loader)}")


Trainer().epoch()
