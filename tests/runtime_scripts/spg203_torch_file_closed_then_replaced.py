# SPG203 negative (torch): the Dataset's __init__ opens a file to index it, closes it and sets
# the attribute to None before returning, so the pickled state holds None; each worker reopens
# the file lazily in __getitem__.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=15
# requires: torch
import tempfile
from pathlib import Path

from torch.utils.data import DataLoader, Dataset


class Lines(Dataset):
    def __init__(self, path):
        self.path = path
        self.handle = open(path, encoding="utf-8")
        self.offsets = [0]
        for line in self.handle:
            self.offsets.append(self.offsets[-1] + len(line))
        self.offsets.pop()
        self.handle.close()
        self.handle = None

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, index):
        if self.handle is None:
            self.handle = open(self.path, encoding="utf-8")
        self.handle.seek(self.offsets[index])
        return int(self.handle.readline())


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "numbers.txt"
        path.write_text("".join(f"{i}\n" for i in range(6)), encoding="utf-8")
        loader = DataLoader(Lines(path), batch_size=3, num_workers=2)
        print(f"total={sum(int(batch.sum()) for batch in loader)}")
