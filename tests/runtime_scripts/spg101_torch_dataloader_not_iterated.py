# SPG101 negative (torch): a worker DataLoader constructed (and measured with len()) at module
# level starts nothing; its workers start when the guarded loop iterates it.
# expect: none
# spawn: ok
# fork: ok
# stdout: batches=4
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader

loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)
batch_count = len(loader)

if __name__ == "__main__":
    print(f"batches={batch_count}")
    total = 0
    for batch in loader:
        total += int(batch.sum())
    print(f"total={total}")
