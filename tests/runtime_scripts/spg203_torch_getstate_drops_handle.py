# SPG203 negative (torch): __init__ opens a file, but __getstate__ drops the handle before
# pickling and __setstate__ reopens it in the worker.
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
        self.handle = open(path, encoding="utf-8")

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["handle"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.handle = open(self.path, encoding="utf-8")

    def __len__(self):
        return 4

    def __getitem__(self, index):
        self.handle.seek(0)
        return int(self.handle.read().split()[index])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "numbers.txt"
        path.write_text("1\n2\n3\n4\n", encoding="utf-8")
        dataset = NumbersFile(path)
        loader = DataLoader(dataset, batch_size=2, num_workers=2)
        print(f"total={sum(int(batch.sum()) for batch in loader)}")
        dataset.handle.close()
