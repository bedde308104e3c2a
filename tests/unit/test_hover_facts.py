"""What the hover says about a DataLoader call, `num_workers=` and the main guard."""

from __future__ import annotations

import ast

from spawnguard.analysis.findings import Position
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText

from .helpers import dedent

SCRIPT = dedent("""
    import argparse
    from torch.utils.data import DataLoader

    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    class Squares:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i

    def run():
        pass

    loader = DataLoader(Squares(), num_workers=args.workers, collate_fn=lambda b: b)
    idle = DataLoader(Squares(), num_workers=0)

    if __name__ == "__main__":
        for batch in loader:
            run()
    """)


def facts_at(text: str, needle: str, offset: int = 1, occurrence: int = 1) -> str | None:
    source = SourceText(text)
    model = ModuleModel.build(source, ast.parse(text), settings=AnalysisSettings(), path=None)
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + offset
    return model.hover_facts(Position(line, column))


def test_dataloader_call_says_workers_iteration_and_what_is_pickled() -> None:
    facts = facts_at(SCRIPT, "DataLoader(Squares(), num_workers=args")
    assert facts is not None
    assert "Starts **3 worker processes** (`num_workers=args.workers`)" in facts
    assert "Iterated at line 22 (`for batch in loader`): only when the script runs" in facts
    assert "`dataset`: `Squares()` — pickles by reference ✓" in facts
    assert "`collate_fn`: `lambda b: b` — a lambda ✗ (SPG201)" in facts
    assert "`worker_init_fn`: not given" in facts


def test_num_workers_zero_and_the_keyword_hover() -> None:
    idle = facts_at(SCRIPT, "DataLoader(Squares(), num_workers=0")
    assert idle is not None and "**no worker processes**" in idle
    short = facts_at(SCRIPT, "num_workers=args")
    assert short is not None and short.startswith("Starts **3 worker processes**")
    assert "re-imports the script" in short


def test_main_guard_says_what_it_protects() -> None:
    facts = facts_at(SCRIPT, 'if __name__ == "__main__"')
    assert facts is not None and "**Main guard**" in facts
    assert "line 22: `for batch in loader`" in facts


def test_nothing_elsewhere() -> None:
    assert facts_at(SCRIPT, "def run") is None
    assert facts_at(SCRIPT, "parser.add_argument") is None
