"""The real files the mutation fuzzers start from."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_SCRIPTS = ROOT / "tests" / "runtime_scripts"
# Standard-library modules that name the worker APIs, so the analyser models them rather than
# skipping them on its text prefilter.
STDLIB_SEEDS = ("multiprocessing/pool.py", "concurrent/futures/process.py",
                "multiprocessing/managers.py")


def seed_paths() -> list[Path]:
    stdlib = Path(ast.__file__).parent
    return [
        *sorted((ROOT / "examples").rglob("*.py")),
        *sorted(RUNTIME_SCRIPTS.glob("*.py")),
        *(stdlib / name for name in STDLIB_SEEDS),
    ]


@cache
def seed_texts() -> tuple[tuple[str, str], ...]:
    """(name, text) of every seed file, in a stable order."""
    return tuple((path.name, path.read_text(encoding="utf-8")) for path in seed_paths())


@cache
def seed_lines() -> tuple[str, ...]:
    """Every distinct line (with its line break) of the small seeds."""
    return tuple(sorted({line for _, text in small_seed_texts()
                         for line in text.splitlines(keepends=True)}))


@cache
def small_seed_texts() -> tuple[tuple[str, str], ...]:
    """The seeds small enough to replay edit by edit (the examples and runtime scripts)."""
    return tuple((name, text) for name, text in seed_texts() if len(text) < 5000)
