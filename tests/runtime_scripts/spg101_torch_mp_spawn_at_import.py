# SPG101 (torch): torch.multiprocessing.spawn at module level. It always uses spawn, so this
# fails on Linux with fork as the default too: the children re-run the file and call spawn
# again while bootstrapping.
# expect: SPG101
# spawn: bootstrap
# fork: bootstrap
# fix: SPG101
# fixed-stdout: ranks=[0, 1]
# requires: torch
import torch.multiprocessing as tmp


def report_rank(rank, results):
    results.put(rank)


results = tmp.get_context("spawn").SimpleQueue()
tmp.spawn(report_rank, args=(results,), nprocs=2)
print(f"ranks={sorted([results.get(), results.get()])}")
