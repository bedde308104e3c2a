"""An analysis is freed by reference counting as soon as its findings are dropped.

A model in a reference cycle would leave its whole tree to the cyclic garbage collector: more
memory between collections, and collection time charged to the next analysis (the language
server analyses on every edit).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spawnguard.analysis.chunks import ChunkCache
from spawnguard.engine import analyze, fix_text

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*(ROOT / "examples").rglob("*.py"),
                  *(ROOT / "tests" / "runtime_scripts").glob("*.py")])


@contextmanager
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cyclic_garbage_after(action: object) -> int:
    """How many objects the collector finds unreachable after `action()` and its result are
    dropped (0: everything was freed by reference counting)."""
    with collector_off():
        result = action()  # type: ignore[operator]
        del result
        return gc.collect()


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_analysis_and_fixes_leave_no_cycles(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    def analyse_and_fix() -> object:
        return [list(finding.fixes) for finding in analyze(text)]

    assert cyclic_garbage_after(analyse_and_fix) == 0
    assert cyclic_garbage_after(lambda: fix_text(text)) == 0


def test_incremental_reanalysis_leaves_no_cycles() -> None:
    """The language server keeps a chunk cache per document: the model of the previous
    version is dropped when the next one is built from it."""
    text = (ROOT / "examples" / "broken" / "train_dataloader.py").read_text(encoding="utf-8")
    cache = ChunkCache()
    analyze(text, parse_cache=cache)
    edited = text.replace("\n\n", "\n\nEPOCHS = 2\n", 1)
    assert cyclic_garbage_after(lambda: analyze(edited, parse_cache=cache)) == 0
    # The cached facts re-pointed at the newest model still work after the old one is gone.
    assert [f.code for f in analyze(text, parse_cache=cache)] == [f.code for f in analyze(text)]
