"""SPG101/SPG201: DataLoaders reached through objects and containers — stored on `self`,
returned by methods, held in dicts and lists (literals and comprehensions), DataLoader
subclasses, and passed through `tqdm`, `enumerate`, `zip`, `iter()`, `itertools.islice`."""

from __future__ import annotations

import pytest

from spawnguard.analysis.findings import Severity

from .helpers import dedent, run, span_in
from .test_spg101 import IMPORT_FORMS


def loader_source(form: str, body: str, workers: str = "2") -> str:
    imports, name = IMPORT_FORMS[form]
    return imports + "\n" + dedent(body).replace("LOADER", name).replace("WORKERS", workers)


def findings(source: str, code: str = "SPG101") -> list[tuple[int, int, Severity]]:
    return [(f.range.start.line, f.range.start.character, f.severity)
            for f in run(source) if f.code == code]


def at(source: str, context: str, text: str, severity: Severity = Severity.ERROR
       ) -> tuple[int, int, Severity]:
    line, column, _, _ = span_in(source, context, text)
    return (line, column, severity)


# --- loaders stored on self ------------------------------------------------------------------

TRAINER = """
class Trainer:
    def __init__(self):
        self.train_loader = LOADER(range(8), batch_size=2, num_workers=WORKERS)

    def run(self):
        for batch in self.train_loader:
            pass

"""


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
@pytest.mark.parametrize(
    "start", ["Trainer().run()\n", "trainer = Trainer()\ntrainer.run()\n",
              "def main():\n    Trainer().run()\n\nmain()\n"])
def test_loader_on_self_iterated_in_a_method_run_at_import(form: str, start: str) -> None:
    source = loader_source(form, TRAINER) + start
    assert findings(source) == [at(source, "in self.train_loader", "self.train_loader")]
    [finding] = [f for f in run(source) if f.code == "SPG101"]
    assert "run() → for batch in self.train_loader" in finding.message


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
@pytest.mark.parametrize(
    "start",
    ["trainer = Trainer()\n",  # built, never run
     "trainer = Trainer()\nif __name__ == '__main__':\n    trainer.run()\n",
     "def main():\n    Trainer().run()\n\nif __name__ == '__main__':\n    main()\n"])
def test_loader_on_self_not_run_at_import_is_silent(form: str, start: str) -> None:
    assert findings(loader_source(form, TRAINER) + start) == []


def test_loader_on_self_without_workers_is_silent() -> None:
    assert findings(loader_source("from-import", TRAINER, workers="0") + "Trainer().run()\n") == []


def test_loader_on_self_with_unknown_workers_is_a_warning() -> None:
    source = "import os\n" + loader_source("from-import", TRAINER, workers="os.cpu_count()") \
        + "Trainer().run()\n"
    assert [severity for *_, severity in findings(source)] == [Severity.WARNING]


@pytest.mark.parametrize(
    "store",
    [
        # set in another method than __init__, with an annotation
        "    def setup(self):\n        self.loader: DataLoader = DataLoader(range(8), "
        "num_workers=2)\n",
        # a None placeholder in __init__, the loader in setup()
        "    def __init__(self):\n        self.loader = None\n\n    def setup(self):\n"
        "        self.loader = DataLoader(range(8), num_workers=2)\n",
        # two loaders: one of them has workers
        "    def __init__(self):\n        self.loader = DataLoader(range(8))\n\n"
        "    def setup(self):\n        self.loader = DataLoader(range(8), num_workers=2)\n",
        # a class attribute
        "    loader = DataLoader(range(8), num_workers=2)\n",
    ],
)
def test_every_store_on_self_counts(store: str) -> None:
    source = ("from torch.utils.data import DataLoader\n\nclass Job:\n" + store
              + "\n    def go(self):\n        for b in self.loader:\n            pass\n\n"
              "Job().go()\n")
    assert findings(source) == [at(source, "in self.loader", "self.loader")]


def test_attribute_of_a_base_class_read_through_an_instance_at_module_level() -> None:
    source = loader_source("from-import", """
        class Base:
            def __init__(self):
                self.loader = LOADER(range(8), num_workers=2)

        class Child(Base):
            pass

        job = Child()
        for b in job.loader:
            pass
        """)
    assert findings(source) == [at(source, "in job.loader", "job.loader")]


@pytest.mark.parametrize(
    "store",
    ["self.loader = None", "self.loader = DataLoader(range(8))",
     "self.loader = DataLoader(range(8), num_workers=0)", "other.loader = DataLoader(range(8), "
     "num_workers=2)"],
)
def test_stores_that_start_nothing(store: str) -> None:
    source = ("from torch.utils.data import DataLoader\nother = None\n\nclass Job:\n"
              f"    def __init__(self):\n        {store}\n\n"
              "    def go(self):\n        for b in self.loader:\n            pass\n\nJob().go()\n")
    assert findings(source) == []


def test_loader_returned_by_a_method() -> None:
    source = loader_source("alias", """
        class Experiment:
            def make_loader(self):
                return LOADER(range(8), num_workers=WORKERS)

            def fit(self):
                for b in self.make_loader():
                    pass

        Experiment().fit()
        """)
    assert findings(source) == [at(source, "in self.make_loader()", "self.make_loader()")]
    assert findings(source.replace("num_workers=2", "num_workers=0")) == []
    guarded = source.replace("Experiment().fit()", "if __name__ == '__main__':\n"
                             "    Experiment().fit()")
    assert findings(guarded) == []


def test_what_a_loader_on_self_sends_is_checked_for_pickling() -> None:
    source = loader_source("from-import", """
        class Summer:
            def __init__(self):
                self.loader = LOADER(range(8), num_workers=2, collate_fn=lambda b: b,
                                     sampler=iter(lambda: 0, 1))

            def sums(self):
                return list(self.loader)

        if __name__ == "__main__":
            Summer().sums()
        """)
    assert findings(source) == []
    assert findings(source, "SPG201") == [at(source, "collate_fn=lambda b: b", "lambda b: b")]
    no_workers = source.replace("num_workers=2", "num_workers=0")
    assert findings(no_workers, "SPG201") == []
