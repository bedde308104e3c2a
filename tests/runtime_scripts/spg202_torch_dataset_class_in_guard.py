# SPG202 (torch): a Dataset class defined inside the main guard. The parent pickles the dataset
# by reference (__main__.Doubles exists there), but each worker re-imports the script without
# running the guard: "Can't get attribute 'Doubles' on <module '__mp_main__'>".
# expect: SPG202
# spawn: pickling
# fork: ok
# stdout: batches=[[0, 2], [4, 6]]
# fix: SPG202
# requires: torch
from torch.utils.data import DataLoader, Dataset

if __name__ == "__main__":

    class Doubles(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return 2 * index

    loader = DataLoader(Doubles(), batch_size=2, num_workers=2)
    print(f"batches={[batch.tolist() for batch in loader]}")
