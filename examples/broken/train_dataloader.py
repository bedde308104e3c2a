"""Fit y = 3x + 1 with a small PyTorch training loop.

Runs on Linux with the fork start method, but breaks under spawn (Windows, macOS, Python 3.14's
forkserver): the training loop runs at import time, so every DataLoader worker re-runs it while
it is still starting (SPG101), and the lambda collate_fn cannot be pickled for the workers
(SPG201). The argument parsing and model setup are also redone in every worker (SPG501).
"""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class SyntheticLine(Dataset):
    """Points on y = 3x + 1, each generated from its index so that every run sees the same data."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        x = torch.rand(1, generator=torch.Generator().manual_seed(index))
        return x, 3 * x + 1


parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

torch.manual_seed(0)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
loader = DataLoader(
    SyntheticLine(256),
    batch_size=16,
    shuffle=True,
    num_workers=args.workers,
    persistent_workers=args.workers > 0,
    collate_fn=lambda batch: tuple(torch.stack(column) for column in zip(*batch)),
)

for epoch in range(args.epochs):
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
print(f"weight={model.weight.item():.2f} bias={model.bias.item():.2f}")
