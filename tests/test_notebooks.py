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


# --- notebooks whose JSON is not a notebook the analysis can read ------------------------------


def notebook_text(*cells: object, **top: object) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5, **top}, indent=1)


def code_cell(source: object) -> dict[str, object]:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}


MARKDOWN_CELL = {"cell_type": "markdown", "metadata": {}, "source": "# Notes"}
GOOD_CELL = code_cell(["import os\n"])


@pytest.mark.parametrize(("bad_cell", "problem"), [
    (code_cell([1, 2]), "the `source` of code cell 2 (entry 3 of `cells`) is not text "
                        "(item 1 of its list is a number)"),
    (code_cell([["a"]]), "the `source` of code cell 2 (entry 3 of `cells`) is not text "
                         "(item 1 of its list is a list)"),
    (code_cell(["x = 1\n", None]), "the `source` of code cell 2 (entry 3 of `cells`) is not "
                                   "text (item 2 of its list is null)"),
    (code_cell(None), "the `source` of code cell 2 (entry 3 of `cells`) is not text (it is null)"),
    (code_cell(5), "the `source` of code cell 2 (entry 3 of `cells`) is not text (it is a number)"),
    (code_cell(True), "the `source` of code cell 2 (entry 3 of `cells`) is not text "
                      "(it is a boolean)"),
    (code_cell({"a": 1}), "the `source` of code cell 2 (entry 3 of `cells`) is not text "
                          "(it is an object)"),
    ({**GOOD_CELL, "cell_type": None}, "the `cell_type` of entry 3 of `cells` is not text "
                                        "(it is null)"),
    ({**GOOD_CELL, "cell_type": ["code"]}, "the `cell_type` of entry 3 of `cells` is not text "
                                           "(it is a list)"),
    (7, "entry 3 of `cells` is not an object (it is a number)"),
    ("code", "entry 3 of `cells` is not an object (it is text)"),
    ([GOOD_CELL], "entry 3 of `cells` is not an object (it is a list)"),
])
def test_a_cell_of_the_wrong_type_is_one_spg000(bad_cell: object, problem: str) -> None:
    text = notebook_text(GOOD_CELL, MARKDOWN_CELL, bad_cell)
    settings = AnalysisSettings()
    [finding] = NotebookFile().analyze(text, path="nb.ipynb", settings=settings)
    assert (finding.code, finding.message) == ("SPG000", f"not a valid notebook: {problem}")
    assert (finding.cell, finding.range.start.line) == (None, 1)
    fixed = NotebookFile().fix(text, path="nb.ipynb", settings=settings)
    assert (fixed.text, fixed.applied, list(fixed.remaining)) == (text, 0, [finding])


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"),
                    reason="this Python reads integers of any length")
def test_an_integer_python_cannot_read_is_spg000() -> None:
    digits = sys.get_int_max_str_digits() + 1
    text = notebook_text(GOOD_CELL, execution_count=0).replace(
        '"execution_count": 0', '"execution_count": ' + "9" * digits)
    [finding] = NotebookFile().analyze(text, path="nb.ipynb", settings=AnalysisSettings())
    assert finding.code == "SPG000"
    assert finding.message.startswith("cannot read notebook: Exceeds the limit")
    assert finding.message.endswith(f"value has {digits} digits")  # not Python's advice


def test_spg000_for_an_invalid_notebook_follows_the_settings() -> None:
    text = notebook_text(code_cell([1]))
    off = AnalysisSettings(ignore=("SPG000",))
    assert NotebookFile().analyze(text, path="nb.ipynb", settings=off) == []
    assert list(NotebookFile().fix(text, path="nb.ipynb", settings=off).remaining) == []


def test_absent_fields_and_fields_the_analysis_does_not_read_are_not_checked() -> None:
    # The code of SPG401's fixture, with odd values where nothing is read, and cells without
    # `cell_type` or `source`: analysed as before, and a fix writes the odd values back.
    data = json.loads((NOTEBOOKS / "executor.ipynb").read_text(encoding="utf-8"))
    data.update(metadata=None, nbformat="4", nbformat_minor=[5])
    data["cells"][1].update(metadata=[], outputs=None, execution_count="x")
    data["cells"] += [{"source": 5}, {"cell_type": "code"}, {"cell_type": "raw", "source": 1}]
    text = json.dumps(data, indent=1)
    [finding] = NotebookFile().analyze(text, path="nb.ipynb", settings=AnalysisSettings())
    assert (finding.code, finding.cell) == ("SPG401", 3)
    fixed = json.loads(NotebookFile().fix(text, path="nb.ipynb",
                                          settings=AnalysisSettings()).text)
    assert (fixed["metadata"], fixed["nbformat"], fixed["nbformat_minor"]) == (None, "4", [5])
    assert fixed["cells"][1]["outputs"] is None
    assert [fixed["cells"][-3], fixed["cells"][-1]] == [data["cells"][-3], data["cells"][-1]]


def test_a_fix_writes_a_lone_surrogate_back_as_an_escape() -> None:
    # JSON can hold "\ud800", UTF-8 cannot: written raw, the fixed notebook could not be saved.
    data = json.loads((NOTEBOOKS / "executor.ipynb").read_text(encoding="utf-8"))
    data["cells"].append(code_cell('s = "\ud800"\n'))
    text = json.dumps(data, indent=1)
    result = NotebookFile().fix(text, path="nb.ipynb", settings=AnalysisSettings())
    assert result.applied == 1
    assert '"s = \\"\\ud800\\"\\n"' in result.text
    result.text.encode("utf-8")
    assert json.loads(result.text)["cells"][-1]["source"] == 's = "\ud800"\n'
