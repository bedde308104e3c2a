# SPG203 (torch): a Dataset keeping an open file is split with random_split; the Subset given
# to the DataLoader carries the dataset to the workers, and the file cannot be pickled.
# expect: SPG203
# spawn: pickling
# fork: ok
# stdout: total=21
# requires: torch
import tempfile
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, random_split


class NumbersFile(Dataset):
    def __init__(self, path):
        self.handle = open(path, encoding="utf-8")
        self.values = [int(line) for line in self.handle]

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        return self.values[index]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "numbers.txt"
        path.write_text("".join(f"{i}\n" for i in range(8)), encoding="utf-8")
        full = NumbersFile(path)
        train, _ = random_split(full, [6, 2], generator=torch.Generator().manual_seed(0))
        loader = DataLoader(train, batch_size=3, num_workers=2)
        print(f"total={sum(int(batch.sum()) for batch in loader)}")
