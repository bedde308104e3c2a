# SPG101 (Lightning, not a spawn start): `accelerator="cpu", devices=2` without a strategy
# picks "ddp", which launches the second process by running this file again with `subprocess`
# as `__main__` (it is meant to run the whole script). Unguarded, it trains under spawn and
# fork alike: nothing to report.
# expect: none
# spawn: ok
# fork: ok
# stdout: steps=1
# requires: torch lightning
# timeout: 240
import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Line(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


points = torch.arange(8.0).unsqueeze(1)
loader = DataLoader(TensorDataset(points, 2 * points), batch_size=4)
trainer = L.Trainer(max_epochs=1, accelerator="cpu", devices=2, logger=False,
                    enable_checkpointing=False, enable_progress_bar=False,
                    enable_model_summary=False)
trainer.fit(Line(), loader)
if trainer.global_rank == 0:
    print(f"steps={trainer.global_step}")
