"""Read the records of a JSON Lines file through a DataLoader with worker processes.

Runs with fork, but under spawn the dataset is pickled for each worker, and it holds the file
it opened in `__init__`: "TypeError: cannot pickle '_io.BufferedReader' object" (SPG203).
"""

import json
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset


class JsonLines(Dataset):
    def __init__(self, path):
        self.file = open(path, "rb")
        self.offsets = []
        offset = 0
        for line in self.file:
            self.offsets.append(offset)
            offset += len(line)

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, index):
        self.file.seek(self.offsets[index])
        record = json.loads(self.file.readline())
        return torch.tensor([record["x"], record["y"]])


if __name__ == "__main__":
    data = Path(__file__).resolve().parent.parent / "data" / "points.jsonl"
    loader = DataLoader(JsonLines(data), batch_size=4, num_workers=2)
    points = torch.cat(list(loader))
    print(f"records={len(points)} mean_x={points[:, 0].mean():.2f} mean_y={points[:, 1].mean():.2f}")
