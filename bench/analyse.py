"""Analysis speed: spawnguard's analysis beside `ast.parse`, and a whole tree beside ruff.

    python bench/analyse.py FILE_OR_TREE [--repeat N] [--runs N]

For each file: the median time of `ast.parse` and of a first, uncached `spawnguard.engine.analyze`
(which includes its own parse); for a single file also the language server's first analysis of
a document it opens (with an empty chunk cache, which that analysis fills). For a tree: the
totals, the ratios on the files that are analysed (the text prefilter skips the others
unparsed), overall and by file size, and — when `ruff` is on PATH — the wall time of
`ruff check --select F --no-cache` beside `spawnguard check` on the same tree, run alternately
`--runs` times (medians). The package's bytecode is compiled first, as an installed package's
is. Figures only: these machines are noisy, so nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import spawnguard
from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.settings import DEFAULT_SETTINGS
from spawnguard.engine import analyze, rules_for


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _parse_beside(text: str, action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median seconds of `ast.parse(text)` and of `action`, run alternately so that load
    changes on a noisy machine hit both alike."""

    def parse() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(SyntaxError, ValueError):
                ast.parse(text)

    samples = [(_seconds(parse), _seconds(action)) for _ in range(repeat)]
    return (statistics.median(p for p, _ in samples), statistics.median(a for _, a in samples))


def _print_editor_first_analysis(text: str, repeat: int) -> None:
    """The language server analyses a document it has just opened with an empty chunk cache
    (filled from that analysis): this is its first analysis."""
    parse_time, editor_time = _parse_beside(
        text, lambda: analyze(text, parse_cache=ChunkCache()), repeat)
    print(f"editor's first analysis (empty chunk cache): {editor_time * 1000:.2f} ms   "
          f"ratio: {editor_time / max(parse_time, 1e-9):.2f}x")


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--repeat", type=int, default=None,
                        help="timings per file (default: 5 for a file, 1 for each file of a tree)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each tool (a tree)")
    options = parser.parse_args()
    target: Path = options.target
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    repeat = options.repeat or (5 if target.is_file() else 1)
    total_parse = total_analyse = 0.0
    # (ratio, file, lines, seconds) of the analysed files
    ratios: list[tuple[float, Path, int, float]] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        parse_time, analyse_time = _parse_beside(text, lambda text=text: analyze(text), repeat)
        total_parse += parse_time
        total_analyse += analyse_time
        if rules_for(text, DEFAULT_SETTINGS) is not None and parse_time > 0:
            ratios.append((analyse_time / parse_time, path, text.count("\n"), analyse_time))
    print(f"files: {len(files)}")
    print(f"ast.parse: {total_parse * 1000:.2f} ms   analyze: {total_analyse * 1000:.2f} ms   "
          f"ratio: {total_analyse / max(total_parse, 1e-9):.2f}x")
    if target.is_file():
        lines = target.read_text(encoding="utf-8", errors="replace").count("\n")
        if lines < SIZE_BUCKETS[0]:
            verdict = "met" if total_analyse < SMALL_FILE_BUDGET else "missed"
            print(f"target for a file under {SIZE_BUCKETS[0]} lines: first analysis under "
                  f"{SMALL_FILE_BUDGET * 1000:.0f} ms — {total_analyse * 1000:.3f} ms, {verdict}")
        else:
            verdict = "met" if total_analyse <= 2 * total_parse else "missed"
            print(f"target for a file of {SIZE_BUCKETS[0]} lines or more: within 2x ast.parse "
                  f"— {verdict}")
        _print_editor_first_analysis(target.read_text(encoding="utf-8", errors="replace"),
                                     repeat)
    if len(files) > 1:
        _print_analysed(ratios)
        _compare_with_ruff(target, options.runs)
    return 0


# Line counts that split the analysed files by size: below a few hundred lines the analysis's
# fixed costs (choosing rules, positions, findings) weigh more against the parse.
SIZE_BUCKETS = (100, 300, 1000)
# Below the first bucket the target is absolute: a first analysis under 1 ms (issue #12).
SMALL_FILE_BUDGET = 0.001


def _print_analysed(ratios: list[tuple[float, Path, int, float]]) -> None:
    if not ratios:
        return
    ratios.sort()
    median = statistics.median(ratio for ratio, _, _, _ in ratios)
    print(f"files analysed (not skipped by the prefilter): {len(ratios)}   "
          f"analyze/ast.parse median {median:.2f}x, worst {ratios[-1][0]:.2f}x "
          f"({ratios[-1][1]})")
    by_size: dict[int, list[tuple[float, float]]] = {}
    for ratio, _, lines, seconds in ratios:
        bucket = next((i for i, bound in enumerate(SIZE_BUCKETS) if lines < bound),
                      len(SIZE_BUCKETS))
        by_size.setdefault(bucket, []).append((ratio, seconds))
    for bucket, entries in sorted(by_size.items()):
        values = [ratio for ratio, _ in entries]
        label = (f"< {SIZE_BUCKETS[bucket]} lines" if bucket < len(SIZE_BUCKETS)
                 else f">= {SIZE_BUCKETS[-1]} lines")
        if bucket == 0:  # the absolute target
            within = sum(1 for _, seconds in entries if seconds < SMALL_FILE_BUDGET)
            target = f"under {SMALL_FILE_BUDGET * 1000:.0f} ms: {within}/{len(entries)}"
        else:
            target = f"within 2x: {sum(1 for v in values if v <= 2.0)}/{len(values)}"
        print(f"  {label:>16}: {len(values):4} files   median {statistics.median(values):.2f}x"
              f"   worst {max(values):.2f}x   {target}")


def _compare_with_ruff(target: Path, runs: int) -> None:
    compileall.compile_dir(Path(spawnguard.__file__).parent, quiet=1)
    ruff = shutil.which("ruff")
    ours_command = [sys.executable, "-m", "spawnguard", "check", "--exit-zero", str(target)]
    ruff_command = [ruff or "ruff", "check", "--select", "F", "--no-cache", "--exit-zero",
                    "--isolated", str(target)]
    ours, theirs = [], []
    for _ in range(runs):  # alternately, so that load changes hit both alike
        ours.append(_wall(ours_command))
        if ruff:
            theirs.append(_wall(ruff_command))
    print(f"spawnguard check (wall, median of {runs}): {statistics.median(ours):.2f} s")
    if ruff:
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        print(f"ruff check --select F --no-cache (wall, median of {runs}): "
              f"{statistics.median(theirs):.2f} s   spawnguard/ruff: median {ratio:.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
