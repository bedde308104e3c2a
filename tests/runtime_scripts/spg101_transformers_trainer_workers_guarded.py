# SPG101/SPG201 (transformers, safe twin): the same training with dataloader_num_workers=1
# and a module-level data_collator, under the main guard (positional `args`). The worker
# re-imports the file without training and unpickles the dataset and collator by reference.
# expect: none
# spawn: ok
# fork: ok
# stdout: steps=2
# requires: torch transformers
# timeout: 180
import tempfile

import torch
import transformers
from torch.utils.data import Dataset


class Pairs(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        return {"x": torch.tensor([float(index)]), "labels": torch.tensor([2.0 * index])}


class Line(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def forward(self, x, labels=None):
        prediction = self.layer(x)
        return {"loss": torch.nn.functional.mse_loss(prediction, labels), "logits": prediction}


def stack(rows):
    return {key: torch.stack([row[key] for row in rows]) for key in rows[0]}


if __name__ == "__main__":
    arguments = transformers.TrainingArguments(
        output_dir=tempfile.mkdtemp(), dataloader_num_workers=1, max_steps=2,
        per_device_train_batch_size=4, report_to="none", use_cpu=True, save_strategy="no",
        disable_tqdm=True)
    trainer = transformers.Trainer(Line(), arguments, stack, Pairs())
    trainer.remove_callback(transformers.PrinterCallback)
    trainer.train()
    print(f"steps={trainer.state.global_step}")
