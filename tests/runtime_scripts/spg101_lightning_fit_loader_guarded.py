# SPG101 (Lightning, safe twin): the same fit with a num_workers=1 loader, under the main guard
# (imported as `pytorch_lightning`, `train_dataloaders=` keyword). The worker re-imports the
# file without running the guard and loads its batches.
# expect: none
# spawn: ok
# fork: ok
# stdout: steps=2
# requires: torch lightning
# timeout: 180
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class Line(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


if __name__ == "__main__":
    points = torch.arange(8.0).unsqueeze(1)
    loader = DataLoader(TensorDataset(points, 2 * points), batch_size=4, num_workers=1)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    trainer.fit(Line(), train_dataloaders=loader)
    print(f"steps={trainer.global_step}")
