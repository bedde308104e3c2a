# SPG101 negative (torch): a generator function of the file that iterates the DataLoader it is
# given is called at module level. Calling a generator function runs none of its body, so no
# worker starts while the script is imported; the guarded `next()` calls start them.
# expect: none
# spawn: ok
# fork: ok
# stdout: [0.0, 1.0]
# stdout: [2.0, 3.0]
# stdout: [0.0, 1.0]
# requires: torch
import torch
from torch.utils.data import DataLoader, TensorDataset


def forever(loader):
    while True:
        for (batch,) in loader:
            yield batch


loader = DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2, num_workers=2)
stream = forever(loader)

if __name__ == "__main__":
    for _ in range(3):
        print(next(stream).tolist())
    stream.close()  # shuts the workers down before the interpreter exits
