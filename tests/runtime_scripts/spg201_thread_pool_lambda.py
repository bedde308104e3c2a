# SPG201 negative: a lambda given to a ThreadPoolExecutor. Threads share the process, so nothing
# is pickled and nothing re-imports the script.
# expect: none
# spawn: ok
# fork: ok
# stdout: squares=[0, 1, 4, 9]
from concurrent.futures import ThreadPoolExecutor

if __name__ == "__main__":
    with ThreadPoolExecutor(max_workers=2) as executor:
        print(f"squares={list(executor.map(lambda x: x * x, range(4)))}")
