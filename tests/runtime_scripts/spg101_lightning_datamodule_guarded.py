# SPG101 (Lightning, safe twin): the datamodule whose train_dataloader() returns a
# num_workers=1 loader, given positionally (`fit(model, dm)`), from `def main():` called
# under the main guard. The worker re-imports the file without training again.
# expect: none
# spawn: ok
# fork: ok
# stdout: steps=2
# requires: torch lightning
# timeout: 180
import pytorch_lightning
import torch
from torch.utils.data import DataLoader, TensorDataset


class Line(pytorch_lightning.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


class Points(pytorch_lightning.LightningDataModule):
    def train_dataloader(self):
        points = torch.arange(8.0).unsqueeze(1)
        return DataLoader(TensorDataset(points, 2 * points), batch_size=4, num_workers=1)


def main():
    trainer = pytorch_lightning.Trainer(max_epochs=1, accelerator="cpu", devices=1,
                                        logger=False, enable_checkpointing=False,
                                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Line(), Points())
    print(f"steps={trainer.global_step}")


if __name__ == "__main__":
    main()
