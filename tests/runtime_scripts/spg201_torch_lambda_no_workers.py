# SPG201 negative (torch): a lambda collate_fn on a DataLoader with num_workers=0 is called in
# the main process and never pickled.
# expect: none
# spawn: ok
# fork: ok
# stdout: batch_sums=[6, 22, 38]
# requires: torch
from torch.utils.data import DataLoader

if __name__ == "__main__":
    loader = DataLoader(list(range(12)), batch_size=4, num_workers=0, collate_fn=lambda batch: sum(batch))
    print(f"batch_sums={list(loader)}")
