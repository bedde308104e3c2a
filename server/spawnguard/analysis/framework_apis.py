"""What spawnguard knows about the training frameworks that start workers for the user.

Tables only (no imports of the analyser): `apis` folds the aliases below into its canonical
names and scans for the words; `frameworks` detects the starts. Every entry was measured with
lightning 2.6, datasets 5.2, transformers 5.25 and accelerate 1.16 (the versions the tests pin).
"""

from __future__ import annotations

# --- Lightning (`lightning` and `pytorch_lightning`) --------------------------------------------
LIGHTNING_TRAINER = "lightning.Trainer"
LIGHTNING_DATAMODULE = "lightning.LightningDataModule"
LIGHTNING_MODULE = "lightning.LightningModule"
LIGHTNING_DDP_STRATEGY = "lightning.pytorch.strategies.DDPStrategy"

# Where the classes live, under both import names (`pytorch_lightning.X` mirrors
# `lightning.pytorch.X`); each path is folded to the name above.
_LIGHTNING_HOMES = {
    LIGHTNING_TRAINER: ("Trainer", "trainer.Trainer", "trainer.trainer.Trainer"),
    LIGHTNING_DATAMODULE: ("LightningDataModule", "core.LightningDataModule",
                           "core.datamodule.LightningDataModule"),
    LIGHTNING_MODULE: ("LightningModule", "core.LightningModule", "core.module.LightningModule"),
    LIGHTNING_DDP_STRATEGY: ("strategies.DDPStrategy", "strategies.ddp.DDPStrategy"),
}
# The loop methods of a Trainer and the hooks (of a LightningDataModule, or of the
# LightningModule itself) whose DataLoaders each iterates.
LIGHTNING_LOOP_HOOKS = {
    "fit": ("train_dataloader", "val_dataloader"),
    "validate": ("val_dataloader",),
    "test": ("test_dataloader",),
    "predict": ("predict_dataloader",),
}
# Per loop: (parameter name, position after `model`) of the arguments that hold loaders or a
# datamodule (`fit(model, dm)` takes a datamodule in the loaders' place).
LIGHTNING_LOOP_LOADERS = {
    "fit": (("train_dataloaders", 1), ("val_dataloaders", 2), ("datamodule", 3)),
    "validate": (("dataloaders", 1), ("datamodule", 5)),
    "test": (("dataloaders", 1), ("datamodule", 5)),
    "predict": (("dataloaders", 1), ("datamodule", 2)),
}
LIGHTNING_STRATEGY_POSITION = 1  # Trainer(accelerator, strategy, devices, ...)
# `strategy=` names and the start method each launches its processes with. `"ddp"` (also
# what `accelerator="cpu", devices=2` chooses in a script) re-runs the script with
# `subprocess` as `__main__`: no spawn problem, so it is not here.
LIGHTNING_STRATEGY_METHODS = {
    "ddp_spawn": "spawn",
    "ddp_spawn_find_unused_parameters_false": "spawn",
    "ddp_spawn_find_unused_parameters_true": "spawn",
    "ddp_fork": "fork",
    "ddp_fork_find_unused_parameters_false": "fork",
    "ddp_fork_find_unused_parameters_true": "fork",
    "ddp_notebook": "fork",
    "ddp_notebook_find_unused_parameters_false": "fork",
    "ddp_notebook_find_unused_parameters_true": "fork",
}

# --- Hugging Face datasets ----------------------------------------------------------------
HF_DATASET = "datasets.Dataset"
HF_DATASET_DICT = "datasets.DatasetDict"
# Calls that return a Dataset or DatasetDict (both have `map`/`filter` with `num_proc`).
HF_DATASET_FACTORIES = frozenset({
    HF_DATASET, HF_DATASET_DICT, "datasets.load_dataset", "datasets.load_from_disk",
    "datasets.concatenate_datasets", "datasets.interleave_datasets",
    *(f"{HF_DATASET}.from_{source}" for source in (
        "dict", "list", "pandas", "polars", "generator", "csv", "json", "parquet", "text", "sql",
        "file", "buffer", "spark")),
    f"{HF_DATASET_DICT}.from_csv", f"{HF_DATASET_DICT}.from_json",
    f"{HF_DATASET_DICT}.from_parquet", f"{HF_DATASET_DICT}.from_text",
    f"{HF_DATASET_DICT}.load_from_disk", f"{HF_DATASET}.load_from_disk",
})
# Methods of a Dataset/DatasetDict that return one again (followed through chains).
HF_DATASET_METHODS = frozenset({
    "map", "filter", "select", "shuffle", "sort", "train_test_split", "rename_column",
    "rename_columns", "remove_columns", "select_columns", "cast", "cast_column", "flatten",
    "with_format", "with_transform", "add_column", "shard", "skip", "take", "unique_by",
    "flatten_indices", "class_encode_column",
})
# Methods that start a pool of `num_proc` processes (datasets ≥ 4.1: also for num_proc=1).
HF_POOL_METHODS = frozenset({"map", "filter"})

# --- transformers -----------------------------------------------------------------------------
HF_TRAINER = "transformers.Trainer"
HF_TRAINING_ARGUMENTS = "transformers.TrainingArguments"
HF_TRAINERS = frozenset({HF_TRAINER, "transformers.Seq2SeqTrainer"})
HF_ARGUMENTS = frozenset({HF_TRAINING_ARGUMENTS, "transformers.Seq2SeqTrainingArguments"})
HF_TRAINER_POSITIONS = {"args": 1, "data_collator": 2, "train_dataset": 3, "eval_dataset": 4}
# Trainer loops: the dataset each builds a DataLoader for — the loop's own first argument
# when it has one, else the Trainer's argument of that name.
HF_TRAINER_LOOPS = {"train": "train_dataset", "evaluate": "eval_dataset", "predict": "test_dataset"}
HF_LOOP_OWN_DATASET = frozenset({"evaluate", "predict"})

# --- accelerate -------------------------------------------------------------------------------
NOTEBOOK_LAUNCHER = "accelerate.notebook_launcher"
DEBUG_LAUNCHER = "accelerate.debug_launcher"

FRAMEWORK_ALIASES = {
    **{f"{prefix}.{home}": name for name, homes in _LIGHTNING_HOMES.items() for home in homes
       for prefix in ("lightning", "lightning.pytorch", "pytorch_lightning")
       if f"{prefix}.{home}" != name},
    "datasets.arrow_dataset.Dataset": HF_DATASET,
    "datasets.dataset_dict.DatasetDict": HF_DATASET_DICT,
    "datasets.load.load_dataset": "datasets.load_dataset",
    "datasets.load.load_from_disk": "datasets.load_from_disk",
    "datasets.combine.concatenate_datasets": "datasets.concatenate_datasets",
    "datasets.combine.interleave_datasets": "datasets.interleave_datasets",
    "transformers.trainer.Trainer": HF_TRAINER,
    "transformers.trainer_seq2seq.Seq2SeqTrainer": "transformers.Seq2SeqTrainer",
    "transformers.training_args.TrainingArguments": HF_TRAINING_ARGUMENTS,
    "transformers.training_args_seq2seq.Seq2SeqTrainingArguments":
        "transformers.Seq2SeqTrainingArguments",
    "accelerate.launchers.notebook_launcher": NOTEBOOK_LAUNCHER,
    "accelerate.launchers.debug_launcher": DEBUG_LAUNCHER,
}

FRAMEWORK_PACKAGES = frozenset(
    {"lightning", "pytorch_lightning", "datasets", "transformers", "accelerate"})
# Names whose use in a file's text may mean a framework start (the text prefilter): the
# classes and launchers, and `num_proc` (a Dataset's `map` spells no class name).
FRAMEWORK_WORDS = frozenset(
    {"Trainer", "Seq2SeqTrainer", "num_proc", "notebook_launcher", "debug_launcher"})
