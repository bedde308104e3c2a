# SPG101 (torch): `itertools.islice` over loaders kept in a dict, zipped together at module
# level. islice and zip call iter() on what they are given at once, which starts the
# workers while each spawn worker bootstraps.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: pairs=[(1, 17), (5, 21)]
# fix: SPG101
# requires: torch
from itertools import islice

import torch
from torch.utils.data import DataLoader

loaders = {
    "a": DataLoader(torch.arange(8), batch_size=2, num_workers=2),
    "b": DataLoader(torch.arange(8, 16), batch_size=2),
}
pairs = [(int(x.sum()), int(y.sum())) for x, y in zip(islice(loaders["a"], 2), loaders["b"])]
print(f"pairs={pairs}")
