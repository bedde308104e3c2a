# SPG101 negative (torch): the same stream object, made only under the main guard: the
# workers re-import the script and never reach `iter(self.loader)`.
# expect: none
# spawn: ok
# fork: ok
# stdout: sums=[10, 35, 60, 85]
# requires: torch
import torch
from torch.utils.data import DataLoader


class Stream:
    def __init__(self):
        self.loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)
        self.batches = iter(self.loader)

    def sums(self):
        first = int(next(self.batches).sum())
        return [first, *(int(batch.sum()) for batch in self.batches)]


if __name__ == "__main__":
    stream = Stream()
    print(f"sums={stream.sums()}")
