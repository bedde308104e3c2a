# SPG101 (datasets): `filter(..., num_proc=1)` at module level. From datasets 4.1 num_proc=1
# means one worker process, not the main process: the pool's worker (and its manager) re-run
# the file and die while bootstrapping. The dataset is reached through `DatasetDict["train"]`
# and a chained `map`.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: kept=5
# fix: SPG101
# requires: datasets
# timeout: 120
from datasets import Dataset, DatasetDict


def above_two(row):
    return row["x"] > 2


splits = DatasetDict({"train": Dataset.from_dict({"x": list(range(8))})})
train = splits["train"].map(lambda row: {"x": row["x"]})
kept = train.filter(above_two, num_proc=1)
print(f"kept={len(kept)}")
