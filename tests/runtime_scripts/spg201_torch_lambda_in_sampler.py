# SPG201 negative (torch): a sampler holding a lambda. The sampler is iterated in the parent,
# which sends only indices to the workers, so the lambda is never pickled.
# expect: none
# spawn: ok
# fork: ok
# stdout: batches=[[5, 4, 3], [2, 1, 0]]
# requires: torch
from torch.utils.data import DataLoader, Sampler


class SortedSampler(Sampler):
    def __init__(self, size, key):
        self.size = size
        self.key = key

    def __iter__(self):
        return iter(sorted(range(self.size), key=self.key))

    def __len__(self):
        return self.size


if __name__ == "__main__":
    loader = DataLoader(list(range(6)), batch_size=3, num_workers=2, sampler=SortedSampler(6, key=lambda i: -i))
    print(f"batches={[batch.tolist() for batch in loader]}")
