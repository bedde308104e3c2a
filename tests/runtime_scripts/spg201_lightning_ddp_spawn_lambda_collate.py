# SPG201 (Lightning): with `strategy="ddp_spawn"` fit pickles the loaders for the processes
# it spawns, even a loader with num_workers=0: its lambda collate_fn has no importable name,
# and the spawn fails under spawn and fork alike. (The safe twin, with a module-level
# collate_fn, is spg101_lightning_ddp_spawn_guarded.)
# expect: SPG201
# spawn: pickling
# fork: pickling
# fix: SPG201
# fixed-stdout: finished=True
# requires: torch lightning
# timeout: 240
import torch
from lightning import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset, default_collate


class Line(LightningModule):
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
    loader = DataLoader(TensorDataset(points, 2 * points), batch_size=4,
                        collate_fn=lambda rows: default_collate(rows))
    trainer = Trainer(max_epochs=1, accelerator="cpu", devices=2, strategy="ddp_spawn",
                      logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False)
    trainer.fit(Line(), loader)
    print(f"finished={trainer.state.finished}")
