# SPG601 (torch): multiprocessing_context="fork" on a DataLoader with a lambda collate_fn. Fork
# copies the lambda instead of pickling it, so this runs on Linux whatever the default; only
# the fork-only context is reported (no SPG201).
# expect: SPG601
# spawn: ok
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# requires: torch
from torch.utils.data import DataLoader

if __name__ == "__main__":
    loader = DataLoader(
        list(range(12)),
        batch_size=4,
        num_workers=2,
        multiprocessing_context="fork",
        collate_fn=lambda batch: sum(batch),
    )
    print(f"batch_sums={list(loader)}")
