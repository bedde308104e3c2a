"""spawnguard on real checkouts: whole-tree wall time beside ruff, the index, and the server.

For each checkout folder (laid out as a repository: its own packages are project code, so
imports between them are followed):
- `spawnguard check DIR` and `ruff check --select F --no-cache DIR`, run in turn, median of
  `--runs` (default 3), with the ratio; the largest process's peak RSS;
- in one process: modules indexed (text scans), modules summarised, files analysed (parsed);
- with `--exact`: the findings of a run with every prefilter switched off (each file parsed
  and analysed, every import followed) must equal the normal run's.
With `--lsp SCRIPT [MODULE ...]`, the language server is started with the checkout as its
workspace folder, the index is awaited, and each file gets `--edits` full-text edits: the
change→diagnostics median beside `ruff server` on the same file and edit stream (the script
must get findings: the count is printed and checked).

    python bench/project_scale.py DIR... [--runs 3] [--exact] [--lsp FILE ...] [--edits 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from lsp_latency import measure_in, summary


def _timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the process (the largest one of its tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1) or "Traceback" in stderr:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{stderr}")
    return elapsed, usage.ru_maxrss


def _tree(folder: Path, runs: int) -> None:
    ours_command = [sys.executable, "-m", "spawnguard", "check", "--format", "json", "."]
    ruff = shutil.which("ruff")
    ours, theirs, rss = [], [], 0
    for _ in range(runs):  # in turn, so that both see the same machine
        seconds, peak = _timed(ours_command, folder)
        ours.append(seconds)
        rss = max(rss, peak)
        if ruff:
            theirs.append(_timed([ruff, "check", "--select", "F", "--no-cache", "--isolated",
                                  "-q", "."], folder)[0])
    print(f"  spawnguard check   median {statistics.median(ours):6.2f} s   "
          f"peak RSS {rss / 1024:.0f} MiB")
    if theirs:
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"  ruff --select F --isolated  median {statistics.median(theirs):6.2f} s   "
              f"spawnguard / ruff {ratio:.2f}")


def _jobs(folder: Path):
    from spawnguard import batch
    from spawnguard.analysis.settings import AnalysisSettings
    from spawnguard.config import is_default_excluded_folder

    paths = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not is_default_excluded_folder(d))
        paths += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py")]
    return [batch.Job(i, p, None, AnalysisSettings(), p) for i, p in enumerate(paths)]


def _index_counts(folder: Path, exact: bool) -> None:
    from spawnguard import batch, engine

    jobs = _jobs(folder)
    project = batch.make_project([str(folder)], {})
    analysed = 0
    original = engine.ModuleModel.build

    def counting(*args, **kwargs):
        nonlocal analysed
        analysed += 1
        return original(*args, **kwargs)

    engine.ModuleModel.build = counting  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        found = batch.analyse_jobs(jobs, project, workers=1)
        seconds = time.perf_counter() - started
    finally:
        engine.ModuleModel.build = original  # type: ignore[method-assign]
    print(f"  one process: {len(jobs)} files, {project.modules_scanned} modules indexed, "
          f"{sum(project.summaries_built.values())} summarised, {analysed} files analysed, "
          f"{sum(map(len, found.values()))} findings, {seconds:.2f} s")
    if not exact:
        return
    from robustness.checks import prefilters_off

    from spawnguard.analysis.project import Project

    reference_project = batch.make_project([str(folder)], {})
    original_matter = Project.may_matter_to
    Project.may_matter_to = lambda self, text, path: True  # type: ignore[method-assign]
    try:
        with prefilters_off():
            reference = batch.analyse_jobs(jobs, reference_project, workers=1)
    finally:
        Project.may_matter_to = original_matter  # type: ignore[method-assign]

    def comparable(results):
        return {i: [(f.code, f.range, f.message) for f in v if f.code != "SPG000"]
                for i, v in results.items() if any(f.code != "SPG000" for f in v)}

    same = comparable(found) == comparable(reference)
    print(f"  prefilters off: {'the same findings' if same else 'DIFFERENT findings'}")
    if not same:
        raise SystemExit(1)


def _lsp(folder: Path, files: list[Path], edits: int) -> None:
    ruff = shutil.which("ruff")
    server = [sys.executable, "-m", "spawnguard.server", "--stdio"]
    for path in files:
        path = path if path.is_absolute() else folder / path
        print(f"  {path.relative_to(folder)}: {edits} full-text edits, workspace = the checkout")
        ours = measure_in(server, path, edits, pull=False, root=folder, wait_for_index=True)
        print("  " + summary("spawnguard", ours.latencies) + f"   {ours.diagnostics} diagnostics")
        if ruff:
            theirs = measure_in([ruff, "server"], path, edits, pull=True, root=folder)
            print("  " + summary("ruff server", theirs.latencies))
            ratio = statistics.median(ours.latencies) / statistics.median(theirs.latencies)
            print(f"  spawnguard / ruff median: {ratio:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exact", action="store_true",
                        help="compare with a run with every prefilter off (slow)")
    parser.add_argument("--lsp", type=Path, nargs="*", default=[],
                        help="files (relative to each folder) to time in the language server")
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    for folder in args.folders:
        folder = folder.resolve()
        print(folder)
        _tree(folder, args.runs)
        _index_counts(folder, args.exact)
        if args.lsp:
            _lsp(folder, args.lsp, args.edits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
