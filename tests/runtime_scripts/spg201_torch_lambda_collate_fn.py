# SPG201 (torch): a lambda collate_fn on a DataLoader with workers. The collate function is
# pickled for each worker under spawn, so iterating fails in the parent.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# fix: SPG201
# requires: torch
from torch.utils.data import DataLoader

if __name__ == "__main__":
    loader = DataLoader(list(range(12)), batch_size=4, num_workers=2, collate_fn=lambda batch: sum(batch))
    print(f"batch_sums={list(loader)}")
