# SPG101 negative (torch): a DataLoader iterated at module level with num_workers=0 loads in
# the main process and starts no workers, so it runs under spawn.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader

loader = DataLoader(torch.arange(20), batch_size=5, num_workers=0)
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total}")
