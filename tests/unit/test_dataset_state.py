"""SPG203 details: the state `__init__` leaves, pathlib files, wrapped datasets (Subset,
random_split, ConcatDataset), lambdas in list arguments, and the messages and lift names."""

from __future__ import annotations

import pytest

from spawnguard.engine import fix_text

from .helpers import codes, dedent, run, span

HEADER = """
import threading
from pathlib import Path

import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset, random_split
"""


def dataset_script(init: str, use: str = "Lines('x.txt')", params: str = "self, path") -> str:
    """A module-level Dataset whose `__init__` body is `init`, sent to workers as `use`."""
    body = "\n".join("        " + line for line in dedent(init).splitlines())
    return dedent(HEADER) + (
        f"\n\nclass Lines(Dataset):\n    def __init__({params}):\n{body}\n\n"
        "    def __len__(self):\n        return 1\n\n"
        "    def __getitem__(self, i):\n        return i\n\n\n"
        f'if __name__ == "__main__":\n    data = {use}\n'
        "    for b in DataLoader(data, num_workers=2):\n        pass\n"
    )


# --- the value __init__ leaves --------------------------------------------------------------


@pytest.mark.parametrize(
    "init",
    [
        "self.fh = open(path)\nself.n = len(self.fh.read())\nself.fh.close()\nself.fh = None",
        "self.fh = open(path)\nself.fh.close()\ndel self.fh",
        "self.fh: object = open(path)\nself.fh.close()\nself.fh: object = None",
        # The handle assigned inside a block, replaced at the top level after it.
        "if path:\n    self.fh = open(path)\n    self.fh.close()\nself.fh = None",
    ],
)
def test_state_replaced_by_a_later_top_level_assignment_is_fine(init: str) -> None:
    assert codes(dataset_script(init)) == []


@pytest.mark.parametrize(
    "init",
    [
        # Replaced only conditionally: the file may still be there.
        "self.fh = open(path)\nif path.endswith('.gz'):\n    self.fh = None",
        "self.fh = open(path)\nfor _ in range(1):\n    self.fh = None",
        # A return before the replacement keeps the file.
        "self.fh = open(path)\nif path:\n    return\nself.fh = None",
        # Replaced by another unpicklable value: reported at that one.
        "self.fh = None\nself.fh = open(path)",
        # Another attribute set to None does not help.
        "self.fh = open(path)\nself.other = None",
    ],
)
def test_state_not_surely_replaced_is_still_reported(init: str) -> None:
    source = dataset_script(init)
    [finding] = run(source)
    assert finding.code == "SPG203"
    assert finding.related[0].range.start.line == span(source, "self.fh = open(path)")[0]


def test_last_assignment_unpicklable_after_a_picklable_one_points_at_it() -> None:
    source = dataset_script("self.fh = None\nself.fh = threading.Lock()")
    [finding] = run(source)
    assert "a threading lock" in finding.message
    assert finding.related[0].range.start.line == span(source, "threading.Lock()")[0]


# --- pathlib ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("init", "params"),
    [
        ("self.fh = Path(path).open()", "self, path"),
        ("p = Path(path)\nself.fh = p.open('rb')", "self, path"),
        ("self.fh = (Path(path) / 'data.txt').open()", "self, path"),
        ("self.fh = path.open()", "self, path: Path"),
    ],
)
def test_pathlib_open_is_an_open_file(init: str, params: str) -> None:
    source = dataset_script(init, params=params)
    [finding] = run(source)
    assert finding.code == "SPG203"
    assert "an open file in `self.fh`" in finding.message
    assert "TypeError: cannot pickle" in finding.message


@pytest.mark.parametrize(
    ("init", "params"),
    [
        ("self.text = Path(path).read_text()", "self, path"),
        ("self.path = Path(path)", "self, path"),
        ("self.fh = path.open()", "self, path"),  # not known to be a Path
        ("self.fh = path.open()", "self, path: str"),
    ],
)
def test_pathlib_values_that_pickle_or_are_unknown_are_fine(init: str, params: str) -> None:
    assert codes(dataset_script(init, params=params)) == []


# --- wrapped datasets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "use",
    [
        "Subset(Lines('x.txt'), [0])",
        "Subset(dataset=Lines('x.txt'), indices=[0])",
        "ConcatDataset([Lines('x.txt'), Lines('y.txt')])",
        "Subset(ConcatDataset((torch.utils.data.TensorDataset(), Lines('x.txt'))), [0])",
    ],
)
def test_wrapped_dataset_state_is_checked(use: str) -> None:
    source = dataset_script("self.fh = open(path)", use=use)
    [finding] = run(source)
    assert finding.code == "SPG203"
    assert (finding.range.start.line, finding.range.start.character) == span(
        source, "data, num_workers")[:2]
    assert finding.related[0].range.start.line == span(source, "self.fh = open(path)")[0]


def test_random_split_unpacking_gives_subsets_of_the_first_argument() -> None:
    source = dataset_script("self.fh = open(path)", use="Lines('x.txt')").replace(
        "    data = Lines('x.txt')\n",
        "    full = Lines('x.txt')\n"
        "    data, rest = random_split(full, [1, 0], generator=torch.Generator())\n",
    )
    assert codes(source) == ["SPG203"]
    assert codes(source.replace("DataLoader(data,", "DataLoader(rest,")) == ["SPG203"]
    # Named list of datasets for ConcatDataset.
    concat = source.replace(
        "    data, rest = random_split(full, [1, 0], generator=torch.Generator())\n",
        "    parts = [full]\n    data = ConcatDataset(parts)\n",
    )
    assert codes(concat) == ["SPG203"]


@pytest.mark.parametrize(
    "use",
    [
        "Subset(Lines('x.txt'), [0])",
        "ConcatDataset([Lines('x.txt')])",
    ],
)
def test_wrapped_fine_dataset_or_no_workers_is_fine(use: str) -> None:
    fine = dataset_script("self.path = path", use=use)
    assert codes(fine) == []
    broken = dataset_script("self.fh = open(path)", use=use)
    assert codes(broken.replace("num_workers=2", "num_workers=0")) == []


def test_wrapped_local_class_and_lambda_argument() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader, Dataset, Subset

        class Mapped(Dataset):
            def __init__(self, transform=None):
                self.transform = transform

            def __len__(self):
                return 2

            def __getitem__(self, i):
                return i

        def main():
            class Local(Dataset):
                def __len__(self):
                    return 2

                def __getitem__(self, i):
                    return i

            for b in DataLoader(Subset(Local(), [0]), num_workers=2):
                pass
            for b in DataLoader(Subset(Mapped(transform=lambda x: x), [0]), num_workers=2):
                pass

        if __name__ == "__main__":
            main()
        """)
    findings = run(source)
    assert [f.code for f in findings] == ["SPG201", "SPG203"]
    assert "local class `Local`" in findings[0].message
    assert "`transform`" in findings[1].message


# --- lambdas: in a list argument, messages, lift names ---------------------------------------


def test_lambda_in_a_list_or_tuple_argument() -> None:
    source = dataset_script("self.path = path",
                            use="Lines([lambda x: x + 1, abs], (str, lambda y: y))",
                            params="self, transforms, more")
    findings = run(source)
    assert [f.code for f in findings] == ["SPG203", "SPG203"]
    assert "a lambda in a list as argument 1" in findings[0].message
    assert (findings[0].related[0].range.start.character
            == span(source, "lambda x: x + 1")[1])
    assert "a lambda in a tuple as argument 2" in findings[1].message
    fine = dataset_script("self.path = path", use="Lines([abs, str])",
                          params="self, transforms")
    assert codes(fine) == []


def test_a_lift_fix_only_when_the_argument_holds_one_function() -> None:
    # Lifting one of two lambdas would leave the finding where it was: no lift is offered.
    two = dataset_script("self.path = path", use="Lines([lambda x: x + 1, lambda x: x * 2])",
                         params="self, transforms")
    one = dataset_script("self.path = path", use="Lines([lambda x: x + 1, abs])",
                         params="self, transforms")
    titles = {name: [fix.title for f in run(source) for fix in f.fixes]
              for name, source in (("two", two), ("one", one))}
    assert titles["two"] and all(t.startswith("Ignore") for t in titles["two"])
    assert any(t.startswith("Replace the lambda") for t in titles["one"])


def test_lambda_stored_on_self_names_the_local_object() -> None:
    source = dataset_script("self.transform = lambda x: x * 2")
    [finding] = run(source)
    assert ("AttributeError: Can't pickle local object 'Lines.__init__.<locals>.<lambda>'"
            in finding.message)
    assert "module-level function" in finding.message
    assert "lazily" not in finding.message and "TypeError" not in finding.message
    nested = dataset_script("def scale(x):\n    return x\nself.transform = scale")
    [finding] = run(nested)
    assert "a nested function" in finding.message
    assert "'Lines.__init__.<locals>.scale'" in finding.message


def test_module_level_lambda_stored_on_self_is_looked_up_by_name() -> None:
    source = dataset_script("self.transform = double").replace(
        "\n\nclass Lines", "\ndouble = lambda x: x * 2\n\n\nclass Lines")
    [finding] = run(source)
    assert "attribute lookup <lambda> on __main__ failed" in finding.message
    assert "module-level function" in finding.message


def test_open_file_message_keeps_the_lazy_advice() -> None:
    [finding] = run(dataset_script("self.fh = open(path)"))
    assert "TypeError: cannot pickle …" in finding.message
    assert "lazily" in finding.message


def test_lift_of_a_keyword_lambda_is_named_after_the_keyword() -> None:
    source = dataset_script("self.path = path", use="Lines('x', transform=lambda x: x + 1)",
                            params="self, path, transform=None")
    [finding] = run(source)
    fix = finding.preferred_fix
    assert fix is not None
    # `transform` is taken (the parameter), so the clash avoidance picks the next name.
    assert fix.title == "Replace the lambda with def transform_2()"
    fixed = fix_text(source).text
    assert "def transform_2(x):\n    return x + 1\n" in fixed
    assert "Lines('x', transform=transform_2)" in fixed
    free = source.replace("transform=None", "fn=None").replace("transform=", "augment=")
    [finding] = run(free)
    assert finding.preferred_fix is not None
    assert finding.preferred_fix.title == "Replace the lambda with def augment()"


def test_lift_of_a_positional_lambda_keeps_the_dataset_name() -> None:
    source = dataset_script("self.path = path", use="Lines(lambda x: x + 1)")
    [finding] = run(source)
    assert finding.preferred_fix is not None
    assert finding.preferred_fix.title == "Replace the lambda with def dataset()"
