# SPG102 (torch): the common training-script preamble torch.multiprocessing.set_start_method
# ("spawn") at module level, with a guarded DataLoader. Each worker re-runs the preamble after
# its start method has been set and dies with "context has already been set".
# expect: SPG102
# spawn: context-already-set
# fork: context-already-set
# fix: SPG102
# fixed-stdout: total=190
# requires: torch
import torch
import torch.multiprocessing as tmp
from torch.utils.data import DataLoader

tmp.set_start_method("spawn")

if __name__ == "__main__":
    loader = DataLoader(torch.arange(20), batch_size=5, num_workers=2)
    print(f"total={sum(int(batch.sum()) for batch in loader)}")
