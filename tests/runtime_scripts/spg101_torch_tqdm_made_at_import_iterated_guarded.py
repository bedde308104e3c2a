# SPG101 negative (torch): a tqdm progress bar over a worker DataLoader is made at module
# level — tqdm iterates nothing until it is iterated itself — and iterated only under the
# main guard, so the spawn workers (which re-make the bar) start no workers of their own.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)
progress = tqdm(loader, disable=True)

if __name__ == "__main__":
    total = 0
    for batch in progress:
        total += int(batch.sum())
    print(f"total={total}")
