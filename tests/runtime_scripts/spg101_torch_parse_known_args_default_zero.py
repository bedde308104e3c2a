# SPG101 negative (torch): `args, _ = parser.parse_known_args()` with `--workers` default=0:
# the DataLoader iterated at module level starts no worker.
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
parser.add_argument("--workers", type=int, default=0)
args, _ = parser.parse_known_args()

for (batch,) in DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2,
                           num_workers=args.workers):
    print(batch.tolist())
