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
from pathlib import Path

import spawnguard
from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.settings import DEFAULT_SETTINGS
from spawnguard.engine import analyze, rules_for


def _median_seconds(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_file(path: Path, repeat: int) -> tuple[float, float]:
    text = path.read_text(encoding="utf-8", errors="replace")

    def parse() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(SyntaxError, ValueError):
                ast.parse(text)

    # Alternate the two so that load changes on a noisy machine hit both alike.
    parse_samples, analyse_samples = [], []
    for _ in range(repeat):
        parse_samples.append(_median_seconds(parse, 1))
        analyse_samples.append(_median_seconds(lambda: analyze(text), 1))
    return statistics.median(parse_samples), statistics.median(analyse_samples)


def _print_editor_first_analysis(path: Path, repeat: int) -> None:
    """The language server analyses a document it has just opened with an empty chunk cache
    (filled from that analysis): this is its first analysis."""
    text = path.read_text(encoding="utf-8", errors="replace")
    parse_samples, editor_samples = [], []
    for _ in range(repeat):
        parse_samples.append(_median_seconds(lambda: ast.parse(text), 1))
        editor_samples.append(_median_seconds(lambda: analyze(text, parse_cache=ChunkCache()), 1))
    parse_time, editor_time = statistics.median(parse_samples), statistics.median(editor_samples)
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
    ratios: list[tuple[float, Path]] = []
    for path in files:
        parse_time, analyse_time = bench_file(path, repeat)
        total_parse += parse_time
        total_analyse += analyse_time
        text = path.read_text(encoding="utf-8", errors="replace")
        if rules_for(text, DEFAULT_SETTINGS) is not None and parse_time > 0:
            ratios.append((analyse_time / parse_time, path))
    print(f"files: {len(files)}")
    print(f"ast.parse: {total_parse * 1000:.2f} ms   analyze: {total_analyse * 1000:.2f} ms   "
          f"ratio: {total_analyse / max(total_parse, 1e-9):.2f}x")
    if target.is_file():
        _print_editor_first_analysis(target, repeat)
    if len(files) > 1:
        _print_analysed(ratios)
        _compare_with_ruff(target, options.runs)
    return 0


# Line counts that split the analysed files by size: below a few hundred lines the analysis's
# fixed costs (choosing rules, positions, findings) weigh more against the parse.
SIZE_BUCKETS = (100, 300, 1000)


def _print_analysed(ratios: list[tuple[float, Path]]) -> None:
    if not ratios:
        return
    ratios.sort()
    median = statistics.median(ratio for ratio, _ in ratios)
    print(f"files analysed (not skipped by the prefilter): {len(ratios)}   "
          f"analyze/ast.parse median {median:.2f}x, worst {ratios[-1][0]:.2f}x "
          f"({ratios[-1][1]})")
    by_size: dict[int, list[float]] = {}
    for ratio, path in ratios:
        lines = path.read_text(encoding="utf-8", errors="replace").count("\n")
        bucket = next((i for i, bound in enumerate(SIZE_BUCKETS) if lines < bound),
                      len(SIZE_BUCKETS))
        by_size.setdefault(bucket, []).append(ratio)
    for bucket, values in sorted(by_size.items()):
        label = (f"< {SIZE_BUCKETS[bucket]} lines" if bucket < len(SIZE_BUCKETS)
                 else f">= {SIZE_BUCKETS[-1]} lines")
        within = sum(1 for value in values if value <= 2.0)
        print(f"  {label:>16}: {len(values):4} files   median {statistics.median(values):.2f}x"
              f"   worst {max(values):.2f}x   within 2x: {within}/{len(values)}")


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
