"""Notebooks: SPG401 on cells, positions within cells, and the fixes run under spawn.

A notebook's `__main__` is not a file, so spawn does not re-run it; running the joined code
cells with `python -c` reproduces exactly that (the module is `__main__` (built-in)).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from runtime.harness import Outcome, classify, forced_environment

from spawnguard.analysis.findings import Severity
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.notebook_file import Notebook, NotebookFile

NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
HAS_TORCH = subprocess.run([sys.executable, "-c", "import torch"],
                           capture_output=True).returncode == 0
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed "
                                 "(scripts/test.sh installs torch==2.13.0)")


def code_of(notebook: Path) -> str:
    """The code cells as the kernel runs them (IPython magics dropped)."""
    cells = Notebook.parse(notebook.read_text(encoding="utf-8")).sources()
    lines = [line for cell in cells for line in cell.splitlines() if not line.startswith("%")]
    return "\n".join(lines) + "\n"


def run_cells(notebook: Path, start_method: str) -> tuple[Outcome, str]:
    completed = subprocess.run(
        [sys.executable, "-c", code_of(notebook)], cwd=notebook.parent,
        env=forced_environment(start_method), capture_output=True, text=True, timeout=120)
    return classify(completed.stderr, completed.returncode, False), completed.stdout


def check_json(*args: str, cwd: Path) -> tuple[int, list[dict]]:
    completed = subprocess.run([sys.executable, "-m", "spawnguard", "check", "--format",
                                "json", *args], cwd=cwd, capture_output=True, text=True)
    return completed.returncode, json.loads(completed.stdout or "[]")


def test_findings_are_reported_in_their_cells() -> None:
    code, items = check_json("executor.ipynb", cwd=NOTEBOOKS)
    assert code == 1
    [item] = items
    cell_line = "    print(sum(pool.map(shifted_square, range(5))))"
    column = cell_line.index("shifted_square") + 1
    assert (item["code"], item["cell"], item["line"], item["column"]) == ("SPG401", 3, 2, column)
    assert (item["related"][0]["cell"], item["related"][0]["line"]) == (2, 2)
    assert "Can't get attribute 'shifted_square' on <module '__main__' (built-in)>" in \
        item["message"]


def test_spg101_does_not_apply_in_notebooks_and_unused_pools_are_fine() -> None:
    findings = NotebookFile().analyze((NOTEBOOKS / "no_tasks.ipynb").read_text(),
                                      path="no_tasks.ipynb", settings=AnalysisSettings())
    assert [f.code for f in findings if f.severity >= Severity.WARNING] == []


def test_a_broken_notebook_file_is_spg000() -> None:
    [finding] = NotebookFile().analyze("{not json", path="x.ipynb",
                                       settings=AnalysisSettings())
    assert finding.code == "SPG000" and "not JSON" in finding.message


@pytest.mark.runtime
def test_executor_notebook_fails_under_spawn_and_its_fix_runs(tmp_path: Path) -> None:
    notebook = tmp_path / "executor.ipynb"
    shutil.copy(NOTEBOOKS / "executor.ipynb", notebook)
    spawn_outcome, _ = run_cells(notebook, "spawn")
    fork_outcome, fork_stdout = run_cells(notebook, "fork")
    assert (spawn_outcome, fork_outcome) == (Outcome.PICKLING, Outcome.OK)
    fixed = subprocess.run([sys.executable, "-m", "spawnguard", "check", "--fix",
                            "executor.ipynb"], cwd=tmp_path, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    module = tmp_path / "executor_workers.py"
    assert "def shifted_square" in module.read_text()
    assert "OFFSET = 1" in module.read_text()
    assert check_json("executor.ipynb", cwd=tmp_path) == (0, [])
    outcome, stdout = run_cells(notebook, "spawn")
    assert (outcome, stdout) == (Outcome.OK, fork_stdout)
    # Fixing again changes nothing and does not touch the module.
    again = subprocess.run([sys.executable, "-m", "spawnguard", "check", "--fix",
                            "executor.ipynb"], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0 and "Applied 0 fixes" in again.stdout


@pytest.mark.runtime
@needs_torch
def test_dataloader_notebook_both_fixes_run_under_spawn(tmp_path: Path) -> None:
    notebook = tmp_path / "dataloader.ipynb"
    shutil.copy(NOTEBOOKS / "dataloader.ipynb", notebook)
    assert run_cells(notebook, "spawn")[0] == Outcome.PICKLING
    fork_outcome, fork_stdout = run_cells(notebook, "fork")
    assert fork_outcome == Outcome.OK
    [first, second] = NotebookFile().analyze(notebook.read_text(), path=str(notebook),
                                              settings=AnalysisSettings())
    assert (first.code, first.cell, second.code, second.cell) == ("SPG401", 4, "SPG401", 4)
    titles = [fix.title for fix in first.fixes]
    assert titles[0].startswith("Move Squares, collate to a new module")
    assert titles[1].startswith("Set num_workers=0")
    # The second fix: num_workers=0, applied to the cell, also runs under spawn.
    data = Notebook.parse(notebook.read_text())
    cells = data.sources()
    from spawnguard.notebook_file import apply_cell_fix

    zero_workers = tmp_path / "zero.ipynb"
    zero_workers.write_text(data.with_sources(apply_cell_fix(cells, first.fixes[1])))
    assert run_cells(zero_workers, "spawn") == (Outcome.OK, fork_stdout)
    # The preferred fix, through the CLI.
    subprocess.run([sys.executable, "-m", "spawnguard", "check", "--fix", "dataloader.ipynb"],
                   cwd=tmp_path, capture_output=True, check=False)
    assert (tmp_path / "dataloader_workers.py").exists()
    assert run_cells(notebook, "spawn") == (Outcome.OK, fork_stdout)
