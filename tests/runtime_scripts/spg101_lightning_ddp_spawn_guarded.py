# SPG101 (Lightning, safe twin): `strategy="ddp_spawn"` under the main guard. The two spawned
# processes re-import the file without training, unpickle the model and loader (module-level
# classes) and train one step each on half the data.
# expect: none
# spawn: ok
# fork: ok
# stdout: finished=True
# requires: torch lightning
# timeout: 240
import torch
from lightning import LightningModule, Trainer
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


if __name__ == "__main__":
    points = torch.arange(8.0).unsqueeze(1)
    loader = DataLoader(TensorDataset(points, 2 * points), batch_size=4)
    trainer = Trainer(max_epochs=1, accelerator="cpu", devices=2, strategy="ddp_spawn",
                      logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False)
    trainer.fit(Line(), loader)
    print(f"finished={trainer.state.finished}")
