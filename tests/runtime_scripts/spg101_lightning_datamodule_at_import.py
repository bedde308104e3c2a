# SPG101 (Lightning): `trainer.fit(model, datamodule=dm)` at module level, where the
# datamodule's train_dataloader() returns a DataLoader with num_workers=1. fit calls the hook
# and iterates the loader: its worker re-runs the file, reaches fit again and dies.
# expect: SPG101
# spawn: bootstrap
# fork: ok
# stdout: steps=2
# fix: SPG101
# requires: torch lightning
# timeout: 180
import torch
from lightning.pytorch import LightningDataModule, LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset


class Line(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


class Points(LightningDataModule):
    def train_dataloader(self):
        points = torch.arange(8.0).unsqueeze(1)
        return DataLoader(TensorDataset(points, 2 * points), batch_size=4, num_workers=1)


trainer = Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False,
                  enable_checkpointing=False, enable_progress_bar=False,
                  enable_model_summary=False)
trainer.fit(Line(), datamodule=Points())
print(f"steps={trainer.global_step}")
