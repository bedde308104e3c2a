# SPG203 negative (torch): the Dataset keeps only the path and opens the file lazily in
# __getitem__, so each worker opens its own handle after unpickling.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=10
# requires: torch
import tempfile
from pathlib import Path

from torch.utils.data import DataLoader, Dataset


class NumbersFile(Dataset):
    def __init__(self, path):
        self.path = path
        self.handle = None

    def __len__(self):
        return 4

    def __getitem__(self, index):
        if self.handle is None:
            self.handle = open(self.path, encoding="utf-8")
        self.handle.seek(0)
        return int(self.handle.read().split()[index])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "numbers.txt"
        path.write_text("1\n2\n3\n4\n", encoding="utf-8")
        loader = DataLoader(NumbersFile(path), batch_size=2, num_workers=2)
        print(f"total={sum(int(batch.sum()) for batch in loader)}")
