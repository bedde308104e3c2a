# SPG101/SPG201 (datasets, safe twin): map and filter with num_proc=2 under the main guard,
# given a lambda and a function defined inside the guard. The workers re-import the file
# without running the guard; dill sends both functions by value, so they unpickle there.
# expect: none
# spawn: ok
# fork: ok
# stdout: total=56
# stdout: kept=5
# requires: datasets
# timeout: 120
import datasets as hf

if __name__ == "__main__":
    def above_two(row):
        return row["x"] > 2

    numbers = hf.Dataset.from_dict({"x": list(range(8))})
    doubled = numbers.map(lambda row: {"y": row["x"] * 2}, num_proc=2)
    print(f"total={sum(doubled['y'])}")
    print(f"kept={len(numbers.filter(above_two, num_proc=2))}")
