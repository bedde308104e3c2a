# SPG101 (torch): the generator made by a generator function of the file that iterates its
# DataLoader argument is advanced with `next()` at module level: that runs the loop, which
# starts the workers while the script is imported.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: first=[0.0, 1.0]
# fix: SPG101
# requires: torch
import torch
from torch.utils.data import DataLoader, TensorDataset


def forever(loader):
    while True:
        for (batch,) in loader:
            yield batch


loader = DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2, num_workers=2)
stream = forever(loader)
first = next(stream)
stream.close()  # shuts the workers down before the interpreter exits
print(f"first={first.tolist()}")
