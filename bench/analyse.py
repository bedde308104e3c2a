"""Analysis speed: spawnguard's analysis beside `ast.parse`, and a whole tree beside ruff.

    python bench/analyse.py FILE_OR_TREE [--repeat N]

For each file: the median time of `ast.parse` and of a first, uncached `spawnguard.engine.analyze`
(which includes its own parse). For a tree: the totals, the ratio, and — when `ruff` is on PATH —
the wall time of `ruff check --select F --no-cache` beside `spawnguard check` on the same tree.
Figures only: these machines are noisy, so nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

from spawnguard.engine import analyze


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


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    target: Path = options.target
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    total_parse = total_analyse = 0.0
    worst: tuple[float, Path] = (0.0, target)
    for path in files:
        parse_time, analyse_time = bench_file(path, options.repeat if target.is_file() else 1)
        total_parse += parse_time
        total_analyse += analyse_time
        if parse_time > 0.002:
            worst = max(worst, (analyse_time / parse_time, path))
    print(f"files: {len(files)}")
    print(f"ast.parse: {total_parse * 1000:.1f} ms   analyze: {total_analyse * 1000:.1f} ms   "
          f"ratio: {total_analyse / max(total_parse, 1e-9):.2f}x")
    if len(files) > 1:
        print(f"worst ratio on a file with parse > 2 ms: {worst[0]:.2f}x ({worst[1]})")
        spawnguard_wall = _wall([sys.executable, "-m", "spawnguard", "check", "--exit-zero",
                                 str(target)])
        print(f"spawnguard check (wall): {spawnguard_wall:.2f} s")
        ruff = shutil.which("ruff")
        if ruff:
            ruff_wall = _wall([ruff, "check", "--select", "F", "--no-cache", "--exit-zero",
                               "--isolated", str(target)])
            print(f"ruff check --select F --no-cache (wall): {ruff_wall:.2f} s   "
                  f"spawnguard/ruff: {spawnguard_wall / ruff_wall:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
