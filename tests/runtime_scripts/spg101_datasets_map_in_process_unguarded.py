# SPG101 (datasets, no worker start): map and filter without num_proc, and with num_proc=0
# (the same: the main process), at module level. No process starts, nothing fails.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=56
# stdout: kept=5
# requires: datasets
from datasets import Dataset

numbers = Dataset.from_dict({"x": list(range(8))})
doubled = numbers.map(lambda row: {"y": row["x"] * 2})
print(f"total={sum(doubled['y'])}")
print(f"kept={len(numbers.filter(lambda row: row['x'] > 2, num_proc=0))}")
