# SPG101 (transformers, no worker start): `dataloader_num_workers=0` at module level loads the
# batches in the main process; nothing starts, nothing fails.
# expect: none
# spawn: ok
# fork: ok
# stdout: steps=2
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


arguments = TrainingArguments(output_dir=tempfile.mkdtemp(), dataloader_num_workers=0,
                              max_steps=2, per_device_train_batch_size=4, report_to="none",
                              use_cpu=True, save_strategy="no", disable_tqdm=True)
trainer = Trainer(model=Line(), args=arguments, train_dataset=Pairs())
trainer.remove_callback(PrinterCallback)
trainer.train()
print(f"steps={trainer.state.global_step}")
