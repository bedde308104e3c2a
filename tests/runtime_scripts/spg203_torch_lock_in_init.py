# SPG203 (torch): a Dataset whose __init__ stores a threading.Lock. Locks cannot be pickled, so
# sending the dataset to spawn workers fails.
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: total=28
# requires: torch
import threading

from torch.utils.data import DataLoader, Dataset


class GuardedRange(Dataset):
    def __init__(self, size):
        self.size = size
        self.lock = threading.Lock()

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        with self.lock:
            return index


if __name__ == "__main__":
    loader = DataLoader(GuardedRange(8), batch_size=4, num_workers=2)
    print(f"total={sum(int(batch.sum()) for batch in loader)}")
