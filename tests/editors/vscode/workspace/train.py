"""Trains on random data; the DataLoader loop runs at import time."""

import torch
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.randn(64, 3), torch.randint(0, 2, (64,)))
loader = DataLoader(dataset, batch_size=8, num_workers=2, collate_fn=lambda batch: batch)

for batch in loader:
    print(len(batch))
