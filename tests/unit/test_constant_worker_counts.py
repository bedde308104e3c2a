"""Worker counts decided by module constants (issue 13 item 3): folded, so a loader whose count
is provably 0 is silent for SPG101 and SPG201 alike, one provably > 0 is an error, and an
unknown one keeps the warning."""

from __future__ import annotations

import ast

import pytest

from spawnguard.analysis.constants import possible_values
from spawnguard.analysis.findings import Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText

from .helpers import dedent, run
from .test_spg101 import IMPORT_FORMS


def iterated_at_import(constants: str, count: str, form: str = "from-import") -> str:
    header, name = IMPORT_FORMS[form]
    return header + "\n" + dedent(constants) + (
        f"for batch in {name}([1, 2], num_workers={count}):\n    print(batch)\n")


def spg101_severities(source: str) -> list[Severity]:
    return [f.severity for f in run(source) if f.code == "SPG101"]


# (module constants, the num_workers expression, the verdict)
FOLDED = [
    ("DEBUG = True\nNUM_WORKERS = 0 if DEBUG else 4\n", "NUM_WORKERS", "none"),
    ("DEBUG = False\nNUM_WORKERS = 0 if DEBUG else 4\n", "NUM_WORKERS", "error"),
    ("DEBUG = False\nNUM_WORKERS = 0 if not DEBUG else 4\n", "NUM_WORKERS", "none"),
    ("", "min(4, 0)", "none"),
    ("", "max(0, 2)", "error"),
    ("", "min((4, 0))", "none"),
    ("W = 3\n", "min([W, 8])", "error"),
    ('CONFIG = {"workers": 0}\n', 'CONFIG["workers"]', "none"),
    ('CONFIG = {"workers": 2}\n', 'CONFIG["workers"]', "error"),
    ('CONFIG = {"loader": {"workers": 0}}\n', 'CONFIG["loader"]["workers"]', "none"),
    ('CONFIG = {"workers": 2, "workers": 0}\n', 'CONFIG["workers"]', "none"),
    ('CONFIG = {"batch": 4}\n', 'CONFIG.get("workers", 0)', "none"),
    ('CONFIG = {"workers": 2}\n', 'CONFIG.get("workers", 0)', "error"),
    ('KEY = "workers"\nCONFIG = {KEY: 0}\n', "CONFIG[KEY]", "none"),
    ("SIZES = (0, 4)\n", "SIZES[0]", "none"),
    ("SIZES = (0, 4)\n", "SIZES[-1]", "error"),
    ("SIZES = [0, 4]\n", "SIZES[1]", "error"),
    ("A, B = 0, 4\n", "A", "none"),
    ("A = B = 0\n", "B", "none"),
    ("N = 4\nN = 0\n", "N", "none"),
    ("N = 0\nN = N + 2\n", "N", "error"),
    ("N = 2\nN = max(N, 1) * 2 - 4\n", "N", "none"),
    ("DEBUG = True\nN = 4\nif DEBUG:\n    N = 0\n", "N", "none"),
    ("DEBUG = False\nN = 4\nif DEBUG:\n    N = 0\nelse:\n    N = 2\n", "N", "error"),
    ("N: int = 0\n", "N", "none"),
    ("BASE = 2\n", "BASE * 2 // 4 - 1", "none"),
    ("MODE = 'debug'\n", "0 if MODE == 'debug' else 4", "none"),
    ("MODE = 'full'\n", "0 if MODE == 'debug' else 4", "error"),
    ("DEBUG = 0\n", "DEBUG and 4 or 0", "none"),
    ("", "4 if input() else 2", "error"),  # both branches > 0
    ("", "int('3')", "error"),
]


@pytest.mark.parametrize(("constants", "count", "verdict"), FOLDED)
def test_folded_counts(constants: str, count: str, verdict: str) -> None:
    severities = spg101_severities(iterated_at_import(constants, count))
    assert severities == ([] if verdict == "none" else [Severity.ERROR])


# Counts the file does not decide: today's warning stays.
UNKNOWN = [
    ("DEBUG = input()\nN = 0 if DEBUG else 4\n", "N"),
    ("N = 0\nN += 4\n", "N"),
    ("import os\nN = 0\nif os.environ.get('X'):\n    N = 4\n", "N"),
    ("N = 0\nfor N in range(3):\n    pass\n", "N"),
    ("N = 0\ndef setup():\n    global N\n    N = 4\nsetup()\n", "N"),
    ("from config import N\n", "N"),
    ('CONFIG = {"workers": 0}\nCONFIG["workers"] = 4\n', 'CONFIG["workers"]'),
    ('CONFIG = {"workers": 0}\nCONFIG.update(workers=4)\n', 'CONFIG["workers"]'),
    ('CONFIG = {"workers": 0}\ncfg = CONFIG\ncfg["workers"] = 4\n', 'CONFIG["workers"]'),
    ('CONFIG = {"workers": 0}\ndel CONFIG["workers"]\n', 'CONFIG["workers"]'),
    ('CONFIG = {"l": {"workers": 0}}\ninner = CONFIG["l"]\n', 'CONFIG["l"]["workers"]'),
    ("SIZES = [0, 4]\nSIZES.reverse()\n", "SIZES[0]"),
    ('CONFIG = {"workers": 0, **{}}\n', 'CONFIG["workers"]'),
    ('CONFIG = {"batch": 4}\n', 'CONFIG["workers"]'),  # a KeyError, not a count
    ("from mylib import min\n", "min(4, 0)"),  # not the builtin
    ("", "True"),
    ("N = (n := 0)\n", "n"),
    ("import os\n", "os.cpu_count()"),
]


@pytest.mark.parametrize(("constants", "count"), UNKNOWN)
def test_counts_not_decided_by_the_file_stay_warnings(constants: str, count: str) -> None:
    assert spg101_severities(iterated_at_import(constants, count)) == [Severity.WARNING]


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
def test_every_import_form(form: str) -> None:
    zero = iterated_at_import("DEBUG = True\nW = 0 if DEBUG else 2\n", "W", form)
    two = iterated_at_import("DEBUG = False\nW = 0 if DEBUG else 2\n", "W", form)
    assert spg101_severities(zero) == []
    assert spg101_severities(two) == [Severity.ERROR]


@pytest.mark.parametrize(("workers", "expected"), [("0", []), ("2", ["SPG201"])])
def test_spg201_follows_the_folded_count(workers: str, expected: list[str]) -> None:
    source = dedent(f"""
        from torch.utils.data import DataLoader
        DEBUG = {workers == "0"}
        WORKERS = 0 if DEBUG else 2
        if __name__ == "__main__":
            for batch in DataLoader([1], num_workers=WORKERS, collate_fn=lambda b: b):
                print(batch)
    """)
    assert [f.code for f in run(source)] == expected


def test_function_sees_the_constants_set_before_its_definition() -> None:
    # The body of train() runs only after `def train` ran: N is 0 by then.
    source = dedent("""
        from torch.utils.data import DataLoader
        DEBUG = True
        N = 4
        if DEBUG:
            N = 0
        def train():
            for batch in DataLoader([1], num_workers=N):
                print(batch)
        train()
    """)
    assert spg101_severities(source) == []


def test_assignment_after_the_definition_may_be_seen() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader
        N = 0
        def train():
            for batch in DataLoader([1], num_workers=N):
                print(batch)
        N = 4
        train()
    """)
    assert spg101_severities(source) == [Severity.WARNING]


def test_assignment_later_in_a_loop_around_the_use_may_be_seen() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader
        N = 0
        for epoch in range(2):
            for batch in DataLoader([1], num_workers=N):
                print(batch)
            N = 4
    """)
    assert spg101_severities(source) == [Severity.WARNING]


def test_argparse_default_is_folded() -> None:
    source = dedent("""
        import argparse
        from torch.utils.data import DataLoader
        DEBUG = True
        parser = argparse.ArgumentParser()
        parser.add_argument("--workers", type=int, default=0 if DEBUG else 4)
        args = parser.parse_args()
        for batch in DataLoader([1], num_workers=args.workers):
            print(batch)
    """)
    assert spg101_severities(source) == []
    assert spg101_severities(source.replace("DEBUG = True", "DEBUG = False")) == [
        Severity.ERROR]


@pytest.mark.parametrize(("call", "findings"), [
    ("mp.Pool(processes=N)", 0), ("mp.Pool(N)", 0), ("mp.Pool(processes=N + 2)", 1),
    ("mp.Pool(processes=None)", 1), ("mp.Pool()", 1),
])
def test_pool_that_refuses_to_start(call: str, findings: int) -> None:
    # Pool(processes=0) raises ValueError in the parent: no worker starts.
    source = f"import multiprocessing as mp\nN = 0\nwith {call} as pool:\n    pool.map(abs, [1])\n"
    assert len([f for f in run(source) if f.code == "SPG101"]) == findings


@pytest.mark.parametrize(("workers", "findings"), [("N", 0), ("N + 1", 1)])
def test_executor_that_refuses_to_start(workers: str, findings: int) -> None:
    source = dedent(f"""
        from concurrent.futures import ProcessPoolExecutor as PPE
        N = 0
        with PPE(max_workers={workers}) as pool:
            pool.submit(abs, 1)
    """)
    assert len([f for f in run(source) if f.code == "SPG101"]) == findings


def test_message_names_the_folded_value() -> None:
    source = iterated_at_import("DEBUG = False\nNUM_WORKERS = 0 if DEBUG else 4\n",
                                "NUM_WORKERS")
    [finding] = [f for f in run(source) if f.code == "SPG101"]
    assert "num_workers=NUM_WORKERS (= 4)" in finding.message
    unknown = iterated_at_import("import os\n", "os.cpu_count()")
    [finding] = [f for f in run(unknown) if f.code == "SPG101"]
    assert "num_workers=os.cpu_count(), not known statically" in finding.message


def _values(source: str, expression: str) -> tuple[object, ...] | None:
    text = dedent(source) + f"RESULT = {expression}\n"
    tree = ast.parse(text)
    model = ModuleModel.build(SourceText(text), tree, settings=AnalysisSettings(), path=None)
    statement = tree.body[-1]
    assert isinstance(statement, ast.Assign)
    return possible_values(model, statement.value, model.module_scope)


def test_possible_values() -> None:
    assert _values("import os\n", "4 if os.environ else 2") == (4, 2)
    assert _values("A = B\nB = A\n", "A") is None  # a cycle
    assert _values("", "10 ** 100") is None  # not folded
    assert _values("", "1 // 0") is None


def test_long_chains_fold_without_recursion() -> None:
    # Deeper than Python's recursion limit.
    chain = "".join(f"N{i} = N{i - 1} + 1\n" for i in range(1, 1500))
    assert _values("N0 = 0\n" + chain, "N1499") == (1499,)


@pytest.mark.parametrize(("option", "severity", "page_says"), [
    ('"--workers", type=int, default=4',
     Severity.ERROR, "`num_workers=args.workers` with `default=4` is an error"),
    ('"--workers", type=int', Severity.WARNING, "without a `default=` it is a warning"),
])
def test_spg101_page_says_what_argparse_counts_do(option: str, severity: Severity,
                                                  page_says: str) -> None:
    # Issue 14 item 8: the page once said "warning when the count is not known" while
    # `num_workers=args.workers` was an error (its default is read statically).
    from spawnguard.docs import render_rule_page
    from spawnguard.rules import ALL_RULES

    source = dedent(f"""
        import argparse
        from torch.utils.data import DataLoader
        parser = argparse.ArgumentParser()
        parser.add_argument({option})
        args = parser.parse_args()
        for batch in DataLoader([1], num_workers=args.workers):
            print(batch)
    """)
    assert spg101_severities(source) == [severity]
    [rule] = [r for r in ALL_RULES if r.code == "SPG101"]
    assert page_says in " ".join(render_rule_page(rule).split())
