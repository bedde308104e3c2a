# SPG101 (torch): a DataLoader subclass of the script (`class CountingLoader(DataLoader)`)
# made with num_workers=2 and iterated at module level: its workers start as a DataLoader's
# do, and each spawn worker re-runs the loop while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=190 batches=4
# fix: SPG101
# requires: torch
import torch
import torch.utils.data as tud


class CountingLoader(tud.DataLoader):
    def batches(self):
        return len(self)


loader = CountingLoader(torch.arange(20), batch_size=5, num_workers=2)
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total} batches={loader.batches()}")
