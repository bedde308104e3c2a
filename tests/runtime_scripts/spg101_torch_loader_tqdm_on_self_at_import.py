# SPG101 (torch): a trainer iterates `enumerate(tqdm(self.loader))` — a progress bar over
# its worker DataLoader — in a method run at module level; each spawn worker re-runs the
# epoch while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: steps=4 total=190
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm


class Trainer:
    def __init__(self):
        self.loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)

    def epoch(self):
        total = steps = 0
        for steps, batch in enumerate(tqdm(self.loader, disable=True), start=1):
            total += int(batch.sum())
        print(f"steps={steps} total={total}")


Trainer().epoch()
