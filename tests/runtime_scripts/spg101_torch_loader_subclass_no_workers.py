# SPG101 negative (torch): a DataLoader subclass whose `__init__` forwards `*args, **kwargs`
# to `super().__init__`, made with num_workers=0: iterating it at module level loads in the
# main process and starts no worker.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=190
# requires: torch
import torch
from torch.utils.data import DataLoader


class TaggedLoader(DataLoader):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = "train"


loader = TaggedLoader(torch.arange(20), batch_size=5, num_workers=0)
total = 0
for batch in loader:
    total += int(batch.sum())
print(f"total={total}")
