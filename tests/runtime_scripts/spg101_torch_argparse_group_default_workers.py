# SPG101 (torch): `--workers` is declared on a mutually exclusive group with default=2 and the
# DataLoader iterated at module level uses it: its workers re-run the script and die while
# bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: [0.0, 1.0]
# stdout: [2.0, 3.0]
# fix: SPG101
# requires: torch
import argparse

import torch
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
choice = parser.add_mutually_exclusive_group()
choice.add_argument("--workers", type=int, default=2)
choice.add_argument("--serial", action="store_true")
args = parser.parse_args()

for (batch,) in DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2,
                           num_workers=args.workers):
    print(batch.tolist())
