# SPG201 (transformers): a lambda as the Trainer's data_collator with
# dataloader_num_workers=1, under the main guard. train() hands it to the DataLoader, whose
# worker must unpickle it under spawn: a lambda has no importable name. Fork copies it.
# expect: SPG201
# spawn: pickling
# fork: ok
# stdout: steps=2
# fix: SPG201
# requires: torch transformers
# timeout: 180
import tempfile

import torch
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


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


if __name__ == "__main__":
    arguments = TrainingArguments(output_dir=tempfile.mkdtemp(), dataloader_num_workers=1,
                                  max_steps=2, per_device_train_batch_size=4, report_to="none",
                                  use_cpu=True, save_strategy="no", disable_tqdm=True)
    trainer = Trainer(
        model=Line(), args=arguments, train_dataset=Pairs(),
        data_collator=lambda rows: {k: torch.stack([r[k] for r in rows]) for k in rows[0]})
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    print(f"steps={trainer.state.global_step}")
