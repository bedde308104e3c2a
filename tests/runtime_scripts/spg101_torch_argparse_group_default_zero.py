# SPG101 negative (torch): `--workers` is declared on an argument group with default=0 and
# the DataLoader iterated at module level uses it: no worker starts, nothing breaks.
# expect: none
# spawn: ok
# fork: ok
# stdout: [0.0, 1.0]
# stdout: [2.0, 3.0]
# requires: torch
import argparse

import torch
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
data = parser.add_argument_group("data")
data.add_argument("--workers", type=int, default=0)
args = parser.parse_args()

for (batch,) in DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2,
                           num_workers=args.workers):
    print(batch.tolist())
