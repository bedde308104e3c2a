"""What the hover says on `trainer.fit`, `Dataset.map(num_proc=…)` and
`dataloader_num_workers=`."""

from __future__ import annotations

from .helpers import dedent
from .test_hover_facts import facts_at

LIGHTNING = dedent("""
    import lightning as L
    from torch.utils.data import DataLoader

    class Data(L.LightningDataModule):
        def train_dataloader(self):
            return DataLoader(range(8), num_workers=2)

    trainer = L.Trainer(max_epochs=1)
    trainer.fit(model, datamodule=Data())

    if __name__ == "__main__":
        trainer.validate(model, DataLoader(range(8)))
        L.Trainer(strategy="ddp_spawn", devices=2).test(model, DataLoader(range(8)))
    """)


def test_trainer_fit_names_the_hook_loader_and_where_it_starts() -> None:
    facts = facts_at(LIGHTNING, "trainer.fit", offset=9)
    assert facts is not None
    assert facts.startswith("**Trainer.fit** — iterates the DataLoaders passed to it, or those "
                            "that the datamodule's (else the model's) `train_dataloader()`, "
                            "`val_dataloader()` return.")
    assert ("→ a DataLoader with num_workers=2 (Data.train_dataloader() returns it and "
            "Trainer.fit() iterates it): its workers start here, **while the script is "
            "imported**") in facts


def test_trainer_loop_without_workers_and_with_ddp_spawn() -> None:
    quiet = facts_at(LIGHTNING, "trainer.validate", offset=9)
    assert quiet is not None and "No DataLoader seen here starts worker processes" in quiet
    spawning = facts_at(LIGHTNING, ".test(", offset=2)
    assert spawning is not None
    assert ('`strategy="ddp_spawn"` starts the training processes with **spawn** on every '
            "platform") in spawning
    assert "Processes start here, only when the script runs as `__main__`." in spawning
    # Not on the call's arguments: that is the DataLoader hover's place.
    on_argument = facts_at(LIGHTNING, "DataLoader(range(8)))", offset=2)
    assert on_argument is not None and on_argument.startswith("**DataLoader** — ")


DATASETS = dedent("""
    from datasets import Dataset

    ds = Dataset.from_dict({"x": [1, 2, 3]})
    ds.map(lambda row: row, num_proc=3)
    ds.filter(lambda row: True, num_proc=0)
    """)


def test_dataset_map_says_pool_size_start_method_and_by_value() -> None:
    for needle, offset in (("ds.map", 4), ("num_proc=3", 3)):
        facts = facts_at(DATASETS, needle, offset=offset)
        assert facts is not None, needle
        assert facts.startswith("**Dataset.map(num_proc=3)** — starts a pool of **3 worker "
                                "processes** for this call")
        assert "spawn on Windows, where each re-imports the script" in facts
        assert "Started at line 4: **while the script is imported**" in facts
        assert "**by value** (dill): lambdas and nested functions pickle" in facts
    assert facts_at(DATASETS, "ds.filter", offset=4) is None  # num_proc=0: no pool


TRANSFORMERS = dedent("""
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments("out", dataloader_num_workers=1)
    idle = TrainingArguments("out", dataloader_num_workers=0)
    trainer = Trainer(model, args, train_dataset=train)
    trainer.train()

    if __name__ == "__main__":
        trainer.evaluate(held)
    """)


def test_dataloader_num_workers_lists_the_trainer_loops() -> None:
    facts = facts_at(TRANSFORMERS, "dataloader_num_workers=1", offset=3)
    assert facts is not None
    assert facts.startswith("**dataloader_num_workers=1** — every DataLoader a Trainer built "
                            "with these arguments makes (`train()`, `evaluate()`, `predict()`) "
                            "starts 1 worker process each time it is iterated.")
    assert "- line 6 `trainer.train()`: **while the script is imported**" in facts
    assert "- line 9 `trainer.evaluate(held)`: only when the script runs as `__main__`" in facts
    idle = facts_at(TRANSFORMERS, "dataloader_num_workers=0", offset=3)
    assert idle == ("**dataloader_num_workers=0** — a Trainer with these arguments loads its "
                    "batches in the main process: no worker processes start.")
