# SPG101 (datasets): `Dataset.map(..., num_proc=2)` at module level starts a pool of worker
# processes (datasets uses `multiprocess`, which spawns on Windows). Each worker re-runs the
# file, reaches map again while bootstrapping and dies. The lambda is not the problem: dill
# pickles it by value.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: total=56
# fix: SPG101
# requires: datasets
# timeout: 120
from datasets import Dataset

numbers = Dataset.from_dict({"x": list(range(8))})
doubled = numbers.map(lambda row: {"y": row["x"] * 2}, num_proc=2)
print(f"total={sum(doubled['y'])}")
