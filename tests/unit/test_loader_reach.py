"""SPG101/SPG201: DataLoaders reached through objects and containers — stored on `self`,
returned by methods, held in dicts and lists (literals and comprehensions), DataLoader
subclasses, and passed through `tqdm`, `enumerate`, `zip`, `iter()`, `itertools.islice`."""

from __future__ import annotations

import inspect
import sys

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


def assert_chain_finding(source: str, start: str, context: str, loop: str) -> None:
    """One SPG101 from a call chain: on the module-level statement `start` that starts it
    (where the guard fix goes), with the loop that iterates the loader among its related
    locations."""
    [finding] = [f for f in run(source) if f.code == "SPG101"]
    lines = source.splitlines()
    line = max(i for i, text in enumerate(lines) if text == start) + 1
    assert (finding.range.start.line, finding.range.start.character) == (line, 0)
    loop_line, loop_column, _, _ = span_in(source, context, loop)
    assert (loop_line, loop_column) in [
        (r.range.start.line, r.range.start.character) for r in finding.related]


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
    assert_chain_finding(source, start.splitlines()[-1], "in self.train_loader",
                         "self.train_loader")
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
    assert_chain_finding(source, "Job().go()", "in self.loader", "self.loader")


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
    assert_chain_finding(source, "Experiment().fit()", "in self.make_loader()",
                         "self.make_loader()")
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


# --- loaders in containers -------------------------------------------------------------------

TABLES = {
    "dict": 'loaders = {"train": LOADER(range(8), num_workers=WORKERS), "val": LOADER(range(4))}',
    "dict-call": ("loaders = dict(train=LOADER(range(8), num_workers=WORKERS), "
                  "val=LOADER(range(4)))"),
    "dict-comprehension": 'loaders = {p: LOADER(range(8), num_workers=WORKERS) for p in PHASES}',
    "list": "loaders = [LOADER(range(8), num_workers=WORKERS), LOADER(range(4))]",
    "list-comprehension": "loaders = [LOADER(range(8), num_workers=WORKERS) for p in PHASES]",
}
READS = {
    "subscript": ("for phase in PHASES:\n    for b in loaders[phase]:\n        pass\n",
                  "loaders[phase]"),
    "values": "for loader in loaders.values():\n    for b in loader:\n        pass\n",
    "items": "for phase, loader in loaders.items():\n    for b in loader:\n        pass\n",
    "enumerate": "for i, loader in enumerate(loaders):\n    for b in loader:\n        pass\n",
    "zip": "for p, loader in zip(PHASES, loaders):\n    for b in loader:\n        pass\n",
    "get": ('for b in loaders.get("train"):\n    pass\n', 'loaders.get("train")'),
    "name": ("loader = loaders[0]\nfor b in loader:\n    pass\n", "loader:"),
}
# The reads of a mapping and of a sequence.
_MAPPINGS = ("dict", "dict-call", "dict-comprehension")
_READS_OF = {True: ("subscript", "values", "items", "get"),
             False: ("subscript", "enumerate", "zip", "name")}
PAIRS = [(table, read) for table in TABLES for read in _READS_OF[table in _MAPPINGS]]


def table_source(table: str, read: str, workers: str = "2", form: str = "from-import") -> str:
    body = 'PHASES = ["train", "val"]\n' + TABLES[table] + "\n" + READS_TEXT[read]
    return loader_source(form, body, workers)


READS_TEXT = {name: read[0] if isinstance(read, tuple) else read for name, read in READS.items()}


def started(read: str) -> str:
    read_spec = READS[read]
    return read_spec[1] if isinstance(read_spec, tuple) else "loader:"


@pytest.mark.parametrize(("table", "read"), PAIRS)
def test_loader_in_a_container_iterated_at_import(table: str, read: str) -> None:
    source = table_source(table, read)
    where = started(read)
    assert findings(source) == [at(source, where, where.rstrip(":"))]
    assert findings(table_source(table, read, workers="0")) == []


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_container_tables_in_every_import_form(form: str, table: str) -> None:
    source = table_source(table, "subscript", form=form)
    assert len(findings(source)) == 1
    guarded = source.replace("for phase in PHASES:", "if __name__ == '__main__':\n  "
                             "for phase in PHASES:").replace("\n    ", "\n      ")
    assert findings(guarded) == []
    never_iterated = source.split("for phase")[0] + "sizes = [len(loaders[p]) for p in PHASES]\n"
    assert findings(never_iterated) == []


@pytest.mark.parametrize(
    ("read", "expected"),
    [('loaders["val"]', []), ('loaders["train"]', ['loaders["train"]']),
     ("loaders[1]", []), ("loaders[0]", ["loaders[0]"]), ("loaders[-1]", []),
     ("loaders[key]", ["loaders[key]"])],
)
def test_a_literal_key_picks_its_own_loader(read: str, expected: list[str]) -> None:
    table = ('{"train": DataLoader(range(8), num_workers=2), "val": DataLoader(range(4))}'
             if '"' in read else "[DataLoader(range(8), num_workers=2), DataLoader(range(4))]")
    source = (f"from torch.utils.data import DataLoader\nkey = input()\nloaders = {table}\n"
              f"for b in {read}:\n    pass\n")
    assert findings(source) == [at(source, f"in {text}", text) for text in expected]


def test_container_on_self_and_slices() -> None:
    source = loader_source("alias", """
        class Trainer:
            def __init__(self):
                self.loaders = [LOADER(range(8), num_workers=2)]

            def fit(self):
                for loader in self.loaders[:1]:
                    for b in loader:
                        pass

        Trainer().fit()
        """)
    assert_chain_finding(source, "Trainer().fit()", "in loader:", "loader")


def test_every_worker_loader_of_a_table_sends_its_objects() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        if __name__ == "__main__":
            loaders = {"a": DataLoader(range(8), num_workers=2, collate_fn=lambda b: b),
                       "b": DataLoader(range(8), num_workers=2, worker_init_fn=lambda i: i),
                       "c": DataLoader(range(8), collate_fn=lambda b: 0)}
            for phase in loaders:
                for b in loaders[phase]:
                    pass
        """)
    assert findings(source, "SPG201") == [at(source, "collate_fn=lambda b: b", "lambda b: b"),
                                          at(source, "worker_init_fn=lambda i: i", "lambda i: i")]


def test_a_loop_variable_is_any_key() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        loaders = {"val": DataLoader(range(4)), "train": DataLoader(range(8), num_workers=2)}
        for phase in ["val", "train"]:
            for b in loaders[phase]:
                pass
        """)
    assert findings(source) == [at(source, "in loaders[phase]", "loaders[phase]")]


# --- DataLoader subclasses -------------------------------------------------------------------

SUBCLASSES = {
    "no-init": "class MyLoader(LOADER):\n    pass\n",
    "forwarding-init": ("class MyLoader(LOADER):\n    def __init__(self, *args, **kwargs):\n"
                        "        super().__init__(*args, **kwargs)\n"),
    "two-levels": ("class Base(LOADER):\n    pass\n\nclass MyLoader(Base):\n"
                   "    def helper(self):\n        return 1\n"),
}


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
@pytest.mark.parametrize("subclass", sorted(SUBCLASSES))
def test_subclass_made_with_workers_and_iterated_at_import(form: str, subclass: str) -> None:
    made = "MyLoader(range(8), batch_size=2, num_workers=WORKERS)"
    body = SUBCLASSES[subclass] + f"\nfor b in {made}:\n    pass\n"
    source = loader_source(form, body)
    made = made.replace("WORKERS", "2")
    assert findings(source) == [at(source, made, made)]
    assert findings(loader_source(form, body, workers="0")) == []
    assert findings(source.replace("for b in", "loader =").replace("\n    pass\n", "\n")) == []


@pytest.mark.parametrize(
    ("init", "severity"),
    [("super().__init__(dataset, num_workers=2)", Severity.ERROR),
     ("super(MyLoader, self).__init__(dataset, batch_size=2, num_workers=4)", Severity.ERROR),
     ("super().__init__(dataset, num_workers=workers)", Severity.WARNING),
     ("super().__init__(dataset)", None),
     ("super().__init__(dataset, num_workers=0)", None)],
)
def test_subclass_with_its_own_init_reads_its_super_call(init: str,
                                                          severity: Severity | None) -> None:
    source = dedent(f"""
        from torch.utils.data import DataLoader

        class MyLoader(DataLoader):
            def __init__(self, dataset, workers=2):
                {init}

        for b in MyLoader(range(8), num_workers=9):
            pass
        """)
    assert [s for *_, s in findings(source)] == ([severity] if severity else [])


def test_a_class_not_derived_from_dataloader_starts_nothing() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader, Dataset

        class Numbers(Dataset):
            def __len__(self):
                return 4

        class Loader:
            def __init__(self, dataset, num_workers=0):
                self.inner = DataLoader(dataset)

        for b in Loader(Numbers(), num_workers=2):
            pass
        """)
    assert findings(source) == []


def test_what_a_subclass_sends_is_checked_for_pickling() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        class MyLoader(DataLoader):
            pass

        if __name__ == "__main__":
            for b in MyLoader(range(8), num_workers=2, collate_fn=lambda b: b):
                pass
        """)
    assert findings(source) == []
    assert findings(source, "SPG201") == [at(source, "collate_fn=lambda b: b", "lambda b: b")]


# --- pass-through wrappers -------------------------------------------------------------------

TQDM_FORMS = {
    "tqdm": ("from tqdm import tqdm\n", "tqdm"),
    "auto": ("from tqdm.auto import tqdm\n", "tqdm"),
    "alias": ("from tqdm import tqdm as progress\n", "progress"),
    "module": ("import tqdm\n", "tqdm.tqdm"),
    "auto-module": ("import tqdm.auto as ta\n", "ta.tqdm"),
}
HELD = {"name": ("", "loader"), "attribute": ("", "holder.loader"),
        "item": ("", 'table["a"]')}
HOLDERS = ("loader = DataLoader(range(8), num_workers=2)\n"
           "class Holder:\n    def __init__(self):\n        self.loader = loader\n"
           "holder = Holder()\ntable = {'a': loader}\n")


@pytest.mark.parametrize("form", sorted(TQDM_FORMS))
@pytest.mark.parametrize("held", sorted(HELD))
@pytest.mark.parametrize(
    "iterate",
    ["for b in BAR(X):\n    pass\n", "for b in BAR(iterable=X, desc='x'):\n    pass\n",
     "bar = BAR(X)\nfor b in bar:\n    pass\n", "steps = list(enumerate(BAR(X)))\n",
     "def fit(batches):\n    for b in batches:\n        pass\n\nfit(BAR(X))\n"])
def test_a_progress_bar_iterates_what_it_wraps_when_it_is_iterated(
        form: str, held: str, iterate: str) -> None:
    imports, bar = TQDM_FORMS[form]
    loader = HELD[held][1]
    source = ("from torch.utils.data import DataLoader\n" + imports + HOLDERS
              + iterate.replace("BAR", bar).replace("X", loader))
    reported = "bar" if iterate.startswith("bar =") else loader
    line, column, *_ = span_in(source, source[source.rindex(reported):], reported)
    assert findings(source) == [(line, column, Severity.ERROR)]


@pytest.mark.parametrize("form", sorted(TQDM_FORMS))
def test_a_progress_bar_made_at_import_starts_nothing_until_iterated(form: str) -> None:
    imports, bar = TQDM_FORMS[form]
    source = ("from torch.utils.data import DataLoader\n" + imports
              + f"loader = DataLoader(range(8), num_workers=2)\nprogress_bar = {bar}(loader)\n"
              "if __name__ == '__main__':\n    for b in progress_bar:\n        pass\n")
    assert findings(source) == []
    assert findings(source.replace("num_workers=2", "num_workers=0")
                    .replace("if __name__ == '__main__':\n    ", "")
                    .replace("\n        pass", "\n    pass")) == []


@pytest.mark.parametrize(
    "iterate",
    ["it = iter(X)\n", "first = next(iter(X))\n", "pairs = zip(range(3), X)\n",
     "for i, b in enumerate(X):\n    pass\n", "head = islice(X, 2)\n",
     "head = itertools.islice(X, 2)\n", "head = its.islice(X, 2)\n"])
@pytest.mark.parametrize("held", ["holder.loader", 'table["a"]'])
def test_eager_wrappers_start_the_workers_where_they_are_called(iterate: str, held: str) -> None:
    source = ("import itertools\nimport itertools as its\nfrom itertools import islice\n"
              "from torch.utils.data import DataLoader\n" + HOLDERS + iterate.replace("X", held))
    line, column, *_ = span_in(source, source[source.rindex(held):], held)
    assert findings(source) == [(line, column, Severity.ERROR)]
    guarded = source.replace(iterate.replace("X", held), "if __name__ == '__main__':\n    "
                             + iterate.replace("X", held).replace("\n    ", "\n        "))
    assert findings(guarded) == []


def test_a_name_unpacked_deeper_in_a_loop_target_is_not_followed() -> None:
    """`for i, (a, b) in enumerate(...)`: `a` is not an element of the enumerated container
    itself, and is not followed (it was a crash, ValueError, on torch's sources)."""
    source = dedent("""
        from torch.utils.data import DataLoader

        pairs = [(DataLoader(range(8), num_workers=2), 1)]
        for i, (loader, weight) in enumerate(pairs):
            for batch in loader:
                print(i, weight, batch)
        """)
    assert run(source) == []  # analysed to the end; the nested name is not claimed


def test_values_that_reach_themselves_end() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        class Job:
            def __init__(self):
                self.loader = DataLoader(range(8), num_workers=2)
                self.a = self.b
                self.b = [self.a, self.a, self.loader]
                self.loader = self.loader

            def go(self):
                for b in self.a[2]:
                    pass
                for b in self.loader:
                    pass

        Job().go()
        """)
    # Both loops are reached through `Job().go()`: both findings sit on that statement, each
    # with its loop among the related locations.
    found = [f for f in run(source) if f.code == "SPG101"]
    line = source.splitlines().index("Job().go()") + 1
    assert [(f.range.start.line, f.range.start.character) for f in found] == [(line, 0)] * 2
    loops = [span_in(source, "in self.a[2]", "self.a[2]")[:2],
             span_in(source, "in self.loader", "self.loader")[:2]]
    assert sorted(loops) == sorted(
        next((r.range.start.line, r.range.start.character) for r in f.related
             if (r.range.start.line, r.range.start.character) in loops) for f in found)


def test_nested_unpacking_is_followed() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        loaders = [DataLoader(range(8), num_workers=2)]
        for i, (name, loader) in enumerate(zip("ab", loaders)):
            for b in loader:
                pass
        for i, (name, other) in enumerate(zip("ab", "cd")):
            for b in other:
                pass
        for (a, b), loader in zip([(1, 2)], loaders):
            for batch in loader:
                pass
        for i, (name, *rest) in enumerate(zip("ab", loaders)):
            for b in rest:
                pass
        """)
    assert findings(source) == [at(source, "in loader:", "loader"),
                                at(source, "batch in loader", "loader")]


def test_a_loop_target_that_names_its_own_iterable_ends() -> None:
    """`for _, module in module.named_modules():` (pytorch-lightning's pruning callback):
    inferring `module` reads the loop, whose iterable reads `module` again. It recursed until
    RecursionError; the value is now unknown, well within a shallow stack."""
    source = dedent("""
        from torch.utils.data import DataLoader

        class Pruning:
            def make_permanent(self, module):
                for _, module in module.named_modules():
                    for k in list(module._forward_pre_hooks):
                        hook = module._forward_pre_hooks[k]
                        hook.remove(module)

        Pruning().make_permanent(DataLoader(range(4), num_workers=2))
        """)
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 150)
    try:
        assert run(source) == []
    finally:
        sys.setrecursionlimit(previous)
