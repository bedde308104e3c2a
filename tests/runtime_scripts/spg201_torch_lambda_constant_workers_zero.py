# SPG201 negative (torch): `WORKERS = 2` is reassigned to `0` before the loader is made: the
# count folds to 0, the lambda collate_fn runs in the main process and is never pickled.
# expect: none
# spawn: ok
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# requires: torch
from torch.utils.data import DataLoader

WORKERS = 2
WORKERS = 0

if __name__ == "__main__":
    loader = DataLoader(list(range(12)), batch_size=4, num_workers=WORKERS,
                        collate_fn=lambda batch: sum(batch))
    print(f"batch_sums={[int(b) for b in loader]}")
