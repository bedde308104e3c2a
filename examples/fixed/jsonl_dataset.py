"""Read the records of a JSON Lines file through a DataLoader with worker processes.

The same job as `examples/broken/jsonl_dataset.py`, written so that it runs under spawn: the
dataset indexes the file in `__init__` but keeps only its path and the line offsets, and each
worker opens its own handle the first time it needs one.
"""

import json
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset


class JsonLines(Dataset):
    def __init__(self, path):
        self.path = path
        self.file = None
        self.offsets = []
        offset = 0
        with open(path, "rb") as file:
            for line in file:
                self.offsets.append(offset)
                offset += len(line)

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, index):
        if self.file is None:
            self.file = open(self.path, "rb")
        self.file.seek(self.offsets[index])
        record = json.loads(self.file.readline())
        return torch.tensor([record["x"], record["y"]])


if __name__ == "__main__":
    data = Path(__file__).resolve().parent.parent / "data" / "points.jsonl"
    loader = DataLoader(JsonLines(data), batch_size=4, num_workers=2)
    points = torch.cat(list(loader))
    print(f"records={len(points)} mean_x={points[:, 0].mean():.2f} mean_y={points[:, 1].mean():.2f}")
