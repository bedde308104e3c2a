# SPG203 (torch): a Dataset whose __init__ keeps the file `Path(path).open()` returns. Under
# spawn the dataset is pickled for each worker and file objects cannot be pickled.
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: total=10
# requires: torch
import tempfile
from pathlib import Path

from torch.utils.data import DataLoader, Dataset


class NumbersFile(Dataset):
    def __init__(self, path):
        self.handle = Path(path).open(encoding="utf-8")
        self.values = [int(line) for line in self.handle]

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        return self.values[index]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "numbers.txt"
        path.write_text("1\n2\n3\n4\n", encoding="utf-8")
        loader = DataLoader(NumbersFile(path), batch_size=2, num_workers=2)
        print(f"total={sum(int(batch.sum()) for batch in loader)}")
