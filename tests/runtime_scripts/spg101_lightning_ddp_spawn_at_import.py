# SPG101 (Lightning): `strategy="ddp_spawn"` starts its processes with spawn whatever the
# platform, even with num_workers=0. At module level each spawned process re-runs the file,
# reaches fit again, and Lightning stops it: "Launching multiple processes with the 'spawn'
# start method requires that your script guards the main function". It fails under fork too.
# expect: SPG101
# spawn: bootstrap
# fork: bootstrap
# fix: SPG101
# fixed-stdout: finished=True
# requires: torch lightning
# timeout: 240
import lightning
import torch
from torch.utils.data import DataLoader, TensorDataset


class Line(lightning.LightningModule):
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
trainer = lightning.Trainer(max_epochs=1, accelerator="cpu", devices=2, strategy="ddp_spawn",
                            logger=False, enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False)
trainer.fit(Line(), loader)
print(f"finished={trainer.state.finished}")
