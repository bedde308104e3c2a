# SPG201 (torch): `WORKERS = 2` is reassigned once (`WORKERS = max(WORKERS, 1)`), which still
# folds to 2: the DataLoader (iterated under the main guard) pickles its lambda collate_fn for
# the spawned workers and fails; fork copies it instead of pickling.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# fix: SPG201
# requires: torch
from torch.utils.data import DataLoader

WORKERS = 2
WORKERS = max(WORKERS, 1)

if __name__ == "__main__":
    loader = DataLoader(list(range(12)), batch_size=4, num_workers=WORKERS,
                        collate_fn=lambda batch: sum(batch))
    print(f"batch_sums={[int(b) for b in loader]}")
