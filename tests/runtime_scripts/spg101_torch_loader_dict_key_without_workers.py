# SPG101 negative (torch): the dict holds a worker DataLoader ("train"), but module level
# iterates only `loaders["val"]`, which has no workers; the training loader is iterated
# under the main guard.
# expect: none
# spawn: ok
# fork: ok
# stdout: val=45
# stdout: train=190
# requires: torch
import torch
from torch.utils.data import DataLoader

loaders = {
    "train": DataLoader(torch.arange(20), batch_size=5, num_workers=2),
    "val": DataLoader(torch.arange(10), batch_size=5),
}
val_total = sum(int(batch.sum()) for batch in loaders["val"])

if __name__ == "__main__":
    print(f"val={val_total}")
    train_total = sum(int(batch.sum()) for batch in loaders["train"])
    print(f"train={train_total}")
