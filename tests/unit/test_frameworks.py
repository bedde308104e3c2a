"""Framework entry points that start workers for the user: Lightning loops (datamodule and
model hooks, `strategy="ddp_spawn"`), `datasets` `map`/`filter(num_proc=…)`, transformers'
Trainer with `dataloader_num_workers`, accelerate's launchers — every import form, and the
no-finding side."""

from __future__ import annotations

import pytest

from spawnguard.analysis.findings import Severity

from .helpers import codes, dedent, run, span

# --- Lightning -------------------------------------------------------------------------------

# Import line, and how the code then names Trainer, LightningDataModule, LightningModule.
LIGHTNING_FORMS = {
    "import-lightning-as-L": ("import lightning as L", "L.Trainer", "L.LightningDataModule",
                              "L.LightningModule"),
    "from-lightning": ("from lightning import LightningDataModule, LightningModule, Trainer",
                       "Trainer", "LightningDataModule", "LightningModule"),
    "from-lightning-pytorch": (
        "from lightning.pytorch import LightningDataModule, LightningModule, Trainer",
        "Trainer", "LightningDataModule", "LightningModule"),
    "import-lightning-pytorch-as-pl": ("import lightning.pytorch as pl", "pl.Trainer",
                                       "pl.LightningDataModule", "pl.LightningModule"),
    "import-pytorch_lightning": ("import pytorch_lightning", "pytorch_lightning.Trainer",
                                 "pytorch_lightning.LightningDataModule",
                                 "pytorch_lightning.LightningModule"),
    "pytorch_lightning-aliases": (
        "from pytorch_lightning import LightningDataModule as DM, LightningModule as LM, "
        "Trainer as PLTrainer", "PLTrainer", "DM", "LM"),
    "submodules": (
        "from pytorch_lightning.trainer.trainer import Trainer\n"
        "from lightning.pytorch.core.datamodule import LightningDataModule\n"
        "from lightning.pytorch.core import LightningModule",
        "Trainer", "LightningDataModule", "LightningModule"),
}


def lightning_script(form: str, body: str, workers: int = 2) -> str:
    imports, trainer, datamodule, module = LIGHTNING_FORMS[form]
    return imports + "\n" + dedent(f"""
        from torch.utils.data import DataLoader

        class Model({module}):
            pass

        class Data({datamodule}):
            def train_dataloader(self):
                return DataLoader(range(8), batch_size=2, num_workers={workers})

            def test_dataloader(self):
                return DataLoader(range(8), num_workers={workers})

        trainer = {trainer}(max_epochs=1)
        """) + dedent(body)


def spg101(source: str, **settings: object) -> list[tuple[int, int, Severity, str]]:
    return [(f.range.start.line, f.range.start.character, f.severity, f.message)
            for f in run(source, **settings) if f.code == "SPG101"]


@pytest.mark.parametrize("form", sorted(LIGHTNING_FORMS))
@pytest.mark.parametrize(
    ("call", "argument", "hook"),
    [
        ("trainer.fit(Model(), datamodule=dm)\n", "dm", "train_dataloader"),
        ("trainer.fit(Model(), dm)\n", "dm", "train_dataloader"),
        ("trainer.test(Model(), datamodule=dm)\n", "dm", "test_dataloader"),
        ("trainer.test(Model(), dm)\n", "dm", "test_dataloader"),
    ],
)
def test_datamodule_hook_loader_is_iterated_by_the_loop(form: str, call: str, argument: str,
                                                        hook: str) -> None:
    source = lightning_script(form, "dm = Data()\n" + call)
    [(line, column, severity, message)] = spg101(source)
    start = span(source, call)
    assert (line, column) == span(source, argument, source.count(argument))[:2]
    assert line == start[0]
    assert severity is Severity.ERROR
    loop = call.split("(")[0].split(".")[1]
    assert f"Data.{hook}() returns it and Trainer.{loop}() iterates it" in message
    assert "num_workers=2" in message


@pytest.mark.parametrize("form", sorted(LIGHTNING_FORMS))
def test_trainer_forms_iterate_a_passed_loader(form: str) -> None:
    source = lightning_script(
        form, "loader = DataLoader(range(8), num_workers=3)\ntrainer.fit(Model(), loader)\n")
    [(line, column, _, message)] = spg101(source)
    assert (line, column) == span(source, "loader)")[:2]
    assert "num_workers=3" in message


def test_model_hooks_count_when_nothing_replaces_them() -> None:
    source = dedent("""
        import lightning as L
        from torch.utils.data import DataLoader

        class Model(L.LightningModule):
            def train_dataloader(self):
                return DataLoader(range(8), num_workers=2)

            def val_dataloader(self):
                return [DataLoader(range(8), num_workers=4)]

        trainer = L.Trainer()
        trainer.fit(Model())
        """)
    def hooks(source: str) -> list[str]:
        return [hook for *_, message in spg101(source)
                for hook in ("train_dataloader", "val_dataloader")
                if f"Model.{hook}() returns it and Trainer.fit() iterates it" in message]

    assert hooks(source) == ["train_dataloader", "val_dataloader"]
    # A loader passed for a hook replaces it; the other hook still counts.
    replaced = source.replace("trainer.fit(Model())", "trainer.fit(Model(), DataLoader(range(2)))")
    assert hooks(replaced) == ["val_dataloader"]
    both = replaced.replace("DataLoader(range(2)))", "DataLoader(range(2)), [])")
    assert spg101(both) == []


@pytest.mark.parametrize(
    "body",
    [
        # num_workers=0 in the hooks: loaded in the main process.
        "trainer.fit(Model(), datamodule=Data())\n",
        # validate uses val_dataloader, which Data does not define.
        "trainer.validate(Model(), datamodule=Data())\n",
        # guarded, directly or in a function called from the guard
        "if __name__ == '__main__':\n    trainer.fit(Model(), datamodule=Data())\n",
        "def main():\n    trainer.test(Model(), Data())\n\n"
        "if __name__ == '__main__':\n    main()\n",
    ],
)
def test_lightning_no_finding(body: str) -> None:
    workers = 0 if body.startswith("trainer.fit") else 2
    assert spg101(lightning_script("import-lightning-as-L", body, workers)) == []


def test_datamodule_hook_with_unknown_workers_is_a_warning() -> None:
    source = lightning_script("from-lightning", "trainer.fit(Model(), datamodule=Data())\n")
    source = source.replace("num_workers=2)\n\n    def test", "num_workers=n)\n\n    def test")
    source = source.replace("from torch", "n = int(input())\nfrom torch", 1)
    [(*_, severity, _)] = spg101(source)
    assert severity is Severity.WARNING


SPAWN_STRATEGIES = {
    "keyword": 'Trainer(accelerator="cpu", devices=2, strategy="ddp_spawn")',
    "positional": 'Trainer("cpu", "ddp_spawn", 2)',
    "variant": 'Trainer(strategy="ddp_spawn_find_unused_parameters_false", devices=2)',
    "through-a-name": 'Trainer(strategy=STRATEGY, devices=2)',
    "ddp-strategy-object": 'Trainer(strategy=DDPStrategy(start_method="spawn"), devices=2)',
}


@pytest.mark.parametrize("strategy", sorted(SPAWN_STRATEGIES))
def test_ddp_spawn_always_spawns(strategy: str) -> None:
    source = dedent(f"""
        from lightning.pytorch import Trainer
        from lightning.pytorch.strategies import DDPStrategy
        from torch.utils.data import DataLoader
        STRATEGY = "ddp_spawn"
        loader = DataLoader(range(8))
        trainer = {SPAWN_STRATEGIES[strategy]}
        trainer.fit(model, loader)
        """)
    [(line, column, severity, message)] = spg101(source)
    assert (line, column) == span(source, "trainer.fit")[:2]
    assert severity is Severity.ERROR
    assert 'Trainer.fit() with strategy="ddp_spawn" (Lightning always spawns' in message
    # Explicit spawn: also under assume-start-method = "fork".
    assert len(spg101(source, assume_start_method="fork")) == 1


def test_ddp_spawn_replaces_the_loader_start_and_respects_the_guard() -> None:
    source = dedent("""
        import lightning as L
        from torch.utils.data import DataLoader
        loader = DataLoader(range(8), num_workers=2)
        L.Trainer(strategy="ddp_spawn", devices=2).fit(model, loader)
        """)
    [(*_, message)] = spg101(source)
    assert "ddp_spawn" in message
    guarded = source.replace("L.Trainer(", "if __name__ == '__main__':\n    L.Trainer(")
    assert codes(guarded) == []


@pytest.mark.parametrize(
    "trainer",
    ['L.Trainer(accelerator="cpu", devices=2)', 'L.Trainer(strategy="ddp", devices=2)',
     'L.Trainer(strategy=DDPStrategy(), devices=2)', "L.Trainer(strategy=name, devices=2)"],
)
def test_strategies_that_do_not_spawn_are_silent(trainer: str) -> None:
    source = dedent(f"""
        import lightning as L
        from lightning.pytorch.strategies import DDPStrategy
        from torch.utils.data import DataLoader
        name = input()
        {trainer}.fit(model, DataLoader(range(8)))
        """)
    assert codes(source) == []


def test_ddp_spawn_sends_the_model_and_the_loaders_contents() -> None:
    source = dedent("""
        import lightning as L
        from torch.utils.data import DataLoader

        class Model(L.LightningModule):
            pass

        if __name__ == "__main__":
            class Local(L.LightningModule):
                pass

            loader = DataLoader(range(8), collate_fn=lambda batch: batch)
            trainer = L.Trainer(strategy="ddp_spawn", devices=2)
            trainer.fit(Local(), loader)
            trainer.fit(Model(), train_dataloaders=DataLoader(range(8)))
        """)
    found = [(f.code, f.range.start.line) for f in run(source)]
    assert found == [("SPG201", span(source, "lambda batch")[0]),
                     ("SPG202", span(source, "Local(),")[0])]


def test_fork_strategies_are_fork_requests() -> None:
    source = dedent("""
        import lightning as L
        trainer = L.Trainer(strategy="ddp_notebook", devices=2)
        trainer.fit(model, loader)
        """)
    findings = run(source)
    assert [(f.code, f.range.start.line) for f in findings] == [("SPG601", 2)]
    assert 'Trainer(strategy="ddp_notebook") (it forks)' in findings[0].message


# --- datasets --------------------------------------------------------------------------------

# How a script makes its dataset: the import, and the expression that names the dataset.
DATASET_FORMS = {
    "from-datasets-Dataset": ("from datasets import Dataset",
                              "Dataset.from_dict({'x': [1, 2]})"),
    "import-datasets": ("import datasets", "datasets.Dataset.from_list([{'x': 1}])"),
    "import-datasets-as-hf": ("import datasets as hf", "hf.load_dataset('csv', split='train')"),
    "load_dataset-split": ("from datasets import load_dataset",
                           "load_dataset('json', data_files='d.json')['train']"),
    "load_dataset-alias": ("from datasets import load_dataset as ld", "ld('csv')"),
    "DatasetDict": ("from datasets import Dataset, DatasetDict",
                    "DatasetDict({'train': Dataset.from_dict({'x': [1]})})"),
    "concatenate": ("from datasets import concatenate_datasets, load_from_disk",
                    "concatenate_datasets([load_from_disk('a'), load_from_disk('b')])"),
    "arrow_dataset-module": ("from datasets.arrow_dataset import Dataset as ArrowDataset",
                             "ArrowDataset.from_pandas(frame)"),
    "chained-methods": ("from datasets import Dataset",
                        "Dataset.from_dict({'x': [1]}).shuffle(seed=0).select(range(1))"),
}


@pytest.mark.parametrize("form", sorted(DATASET_FORMS))
@pytest.mark.parametrize("method", ["map", "filter"])
def test_dataset_map_and_filter_with_num_proc_start_a_pool(form: str, method: str) -> None:
    imports, dataset = DATASET_FORMS[form]
    source = dedent(f"""
        {imports}

        def step(row):
            return row

        ds = {dataset}
        ds = ds.rename_column("x", "y")
        out = ds.{method}(step, num_proc=4)
        """)
    [(line, column, severity, message)] = spg101(source)
    assert (line, column) == span(source, f"ds.{method}(step")[:2]
    assert severity is Severity.ERROR
    assert f"Dataset.{method}(num_proc=4) (datasets starts a pool of processes" in message


@pytest.mark.parametrize(
    ("num_proc", "severity"),
    [("1", Severity.ERROR), ("os.cpu_count()", Severity.WARNING), ("n", Severity.WARNING)],
)
def test_num_proc_one_starts_a_worker_and_unknown_counts_warn(num_proc: str,
                                                              severity: Severity) -> None:
    source = dedent(f"""
        import os
        from datasets import Dataset
        n = int(os.environ["N"])
        Dataset.from_dict({{"x": [1]}}).map(str, num_proc={num_proc})
        """)
    assert [s for *_, s, _ in spg101(source)] == [severity]
    # (The text prefilter needs `num_proc` spelled in code somewhere in the file.)
    kwargs = source.replace(f"num_proc={num_proc}", "**options").replace(
        "n = int", f"options = dict(num_proc={num_proc})\nn = int")
    assert [s for *_, s, _ in spg101(kwargs)] == [Severity.WARNING]


@pytest.mark.parametrize(
    "call",
    ["ds.map(step)", "ds.map(step, num_proc=None)", "ds.filter(step, num_proc=0)",
     "ds.map(step, batched=True)",
     "if __name__ == '__main__':\n    ds.map(step, num_proc=4)",
     "def main():\n    ds.map(step, num_proc=4)\n\nif __name__ == '__main__':\n    main()",
     # Not a Hugging Face dataset: a torch one, a plain object.
     "TorchData().map(step, num_proc=4)", "thing.map(step, num_proc=4)"],
)
def test_no_pool(call: str) -> None:
    source = dedent("""
        from datasets import Dataset
        from torch.utils.data import Dataset as TorchData
        thing = object()

        def step(row):
            return row

        ds = Dataset.from_dict({"x": [1, 2]})
        """) + dedent(call) + "\n"
    assert codes(source) == []


def test_lambdas_and_functions_defined_in_the_guard_go_by_value() -> None:
    source = dedent("""
        from datasets import Dataset

        if __name__ == "__main__":
            def local(row):
                return row

            ds = Dataset.from_dict({"x": [1, 2]})
            ds.map(lambda row: row, num_proc=2)
            ds.filter(local, num_proc=2)
        """)
    assert codes(source) == []
    unguarded = dedent("""
        from datasets import Dataset
        Dataset.from_dict({"x": [1]}).map(lambda row: row, num_proc=2)
        """)
    assert codes(unguarded) == ["SPG101"]


# --- transformers ----------------------------------------------------------------------------

TRANSFORMERS_FORMS = {
    "from-transformers": ("from transformers import Trainer, TrainingArguments", "Trainer",
                          "TrainingArguments"),
    "import-transformers": ("import transformers", "transformers.Trainer",
                            "transformers.TrainingArguments"),
    "alias": ("import transformers as tf", "tf.Trainer", "tf.TrainingArguments"),
    "seq2seq": ("from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments",
                "Seq2SeqTrainer", "Seq2SeqTrainingArguments"),
    "submodules": ("from transformers.trainer import Trainer as T\n"
                   "from transformers.training_args import TrainingArguments as Args",
                   "T", "Args"),
}


def transformers_script(form: str, arguments: str, loop: str = "trainer.train()") -> str:
    imports, trainer, training_arguments = TRANSFORMERS_FORMS[form]
    return imports + "\n" + dedent(f"""
        args = {training_arguments}(output_dir="out"{arguments})
        trainer = {trainer}(model=model, args=args, train_dataset=train, eval_dataset=held)
        """) + loop + "\n"


@pytest.mark.parametrize("form", sorted(TRANSFORMERS_FORMS))
@pytest.mark.parametrize("loop", ["trainer.train()", "trainer.evaluate()",
                                  "trainer.predict(test)"])
def test_trainer_loops_with_dataloader_workers(form: str, loop: str) -> None:
    source = transformers_script(form, ", dataloader_num_workers=2", loop)
    [(line, column, severity, message)] = spg101(source)
    assert (line, column) == span(source, loop)[:2]
    assert severity is Severity.ERROR
    name = loop.split(".")[1].split("(")[0]
    assert f"Trainer.{name}() iterating DataLoaders with dataloader_num_workers=2" in message


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [(", dataloader_num_workers=0", []), ("", []), (", dataloader_num_workers=w",
                                                     [Severity.WARNING]),
     (", **options", [Severity.WARNING])],
)
def test_trainer_worker_counts(arguments: str, expected: list[Severity]) -> None:
    source = "w = int(input())\noptions = {}\n" + transformers_script("from-transformers",
                                                                       arguments)
    assert [s for *_, s, _ in spg101(source)] == expected


def test_trainer_without_args_and_with_unknown_args() -> None:
    source = dedent("""
        from transformers import HfArgumentParser, Trainer, TrainingArguments
        Trainer(model=model, train_dataset=train).train()
        """)
    assert spg101(source) == []
    parsed = source.replace("Trainer(model=model,",
                            "(args,) = HfArgumentParser(TrainingArguments).parse_args_into_"
                            "dataclasses()\nTrainer(model=model, args=args,")
    assert [s for *_, s, _ in spg101(parsed)] == [Severity.WARNING]


def test_trainer_subclass_positional_arguments_and_guard() -> None:
    source = dedent("""
        import transformers

        class MyTrainer(transformers.Trainer):
            pass

        args = transformers.TrainingArguments("out", dataloader_num_workers=4)
        MyTrainer(model, args, None, train).train()
        """)
    assert len(spg101(source)) == 1
    guarded = source.replace("MyTrainer(model", "if __name__ == '__main__':\n    MyTrainer(model")
    assert codes(guarded) == []


def test_trainer_sends_its_dataset_and_data_collator() -> None:
    source = dedent("""
        from transformers import Trainer, TrainingArguments

        class Rows:
            pass

        if __name__ == "__main__":
            class LocalRows:
                pass

            args = TrainingArguments("out", dataloader_num_workers=2)
            Trainer(model, args, data_collator=lambda rows: rows, train_dataset=Rows()).train()
            Trainer(model, args, train_dataset=Rows()).evaluate(LocalRows())
            Trainer(model, TrainingArguments("out"), lambda rows: rows, Rows()).train()
        """)
    found = [(f.code, f.range.start.line, f.range.start.character) for f in run(source)]
    # (A class defined in the guard: the worker cannot find it, SPG202.)
    assert found == [("SPG201", *span(source, "lambda rows: rows, train")[:2]),
                     ("SPG202", *span(source, "LocalRows())")[:2])]


def test_fork_dataloader_context_is_honoured() -> None:
    source = transformers_script(
        "from-transformers", ', dataloader_num_workers=2, dataloader_multiprocessing_context='
                             '"fork"')
    findings = run(source)
    assert [f.code for f in findings] == ["SPG601"]
    assert 'dataloader_multiprocessing_context="fork"' in findings[0].message


# --- accelerate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    ["from accelerate import notebook_launcher\nnotebook_launcher(train, num_processes=2)",
     "import accelerate\naccelerate.notebook_launcher(train, (), 4)",
     "from accelerate import notebook_launcher as launch\nlaunch(train, args=(1,), "
     "num_processes=8)",
     "from accelerate import debug_launcher\ndebug_launcher(train)",
     "from accelerate.launchers import debug_launcher\ndebug_launcher(train, num_processes=3)"],
)
def test_accelerate_launchers_fork(call: str) -> None:
    findings = run("def train(*args):\n    pass\n\n" + call + "\n")
    assert [(f.code, f.severity) for f in findings] == [("SPG601", Severity.INFORMATION)]
    assert "accelerate starts its processes with fork" in findings[0].message


@pytest.mark.parametrize(
    "call",
    ["notebook_launcher(train, num_processes=1)", "notebook_launcher(train)",
     "debug_launcher(train, num_processes=1)"],
)
def test_accelerate_launchers_in_process(call: str) -> None:
    source = "from accelerate import debug_launcher, notebook_launcher\n" + call + "\n"
    assert codes(source) == []
