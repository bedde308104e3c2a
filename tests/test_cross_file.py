"""Across files: SPG103, loaders and functions made in other modules, imported datasets.

Each multi-file project under tests/fixtures/projects is analysed with its project, and the
scripts are run under spawn and fork: the analyser's verdict must match what happens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from robustness.checks import prefilters_off
from runtime.harness import Outcome, run_script

from spawnguard import batch, engine
from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.workspace import WorkspaceFiles

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
HAS_TORCH = subprocess.run([sys.executable, "-c", "import torch"],
                           capture_output=True).returncode == 0


def project_for(root: Path) -> Project:
    return Project([str(root)], WorkspaceFiles([str(root)]))


def findings_of(path: Path, project: Project | None = None) -> list[Finding]:
    project = project or project_for(PROJECTS)
    return engine.analyze(path.read_text(encoding="utf-8"), path=str(path), project=project)


def summary(findings: list[Finding]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    return [
        (f.code, f.range.start.line,
         [(os.path.basename(r.path or ""), r.range.start.line) for r in f.related if r.path])
        for f in findings if f.severity >= Severity.WARNING
    ]


# --- verdicts ---------------------------------------------------------------------------------


def test_import_of_a_module_that_starts_workers_is_spg103() -> None:
    root = PROJECTS / "import_time_start"
    assert summary(findings_of(root / "train.py")) == [("SPG103", 1, [("workers.py", 14)])]
    assert [f.code for f in findings_of(root / "workers.py")
            if f.severity >= Severity.WARNING] == ["SPG101"]
    # Without the project the import is opaque: nothing to say.
    text = (root / "train.py").read_text()
    assert engine.analyze(text, path=str(root / "train.py")) == []


def test_spg103_through_a_chain_of_imports() -> None:
    root = PROJECTS / "transitive"
    assert summary(findings_of(root / "train.py")) == [("SPG103", 1, [("starter.py", 9)])]
    assert summary(findings_of(root / "pkg" / "middle.py")) == [
        ("SPG103", 1, [("starter.py", 9)])]


def test_loader_returned_by_a_function_of_another_module() -> None:
    root = PROJECTS / "factory"
    [(code, line, related)] = summary(findings_of(root / "train.py"))
    assert (code, line) == ("SPG101", 4)
    assert related == [("data.py", 13)]
    assert summary(findings_of(root / "train_guarded.py")) == []


def test_collate_fn_made_by_a_factory_of_another_module() -> None:
    root = PROJECTS / "collate_factory"
    [finding] = [f for f in findings_of(root / "train.py") if f.severity >= Severity.WARNING]
    assert finding.code == "SPG201"
    assert "nested function `collate`" in finding.message
    assert [(os.path.basename(r.path or ""), r.range.start.line) for r in finding.related] == [
        ("utils.py", 2)]
    assert summary(findings_of(root / "train_plain.py")) == []


def test_imported_dataset_is_picklable_by_reference_but_its_state_may_not_be() -> None:
    root = PROJECTS / "imported_dataset"
    assert summary(findings_of(root / "train.py")) == [("SPG203", 6, [("lines.py", 10)])]
    assert summary(findings_of(root / "train_lazy.py")) == []


def test_editing_a_module_updates_its_importers(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("X = 1\n")
    (tmp_path / "main.py").write_text("import helpers\n")
    texts = {str(tmp_path / "helpers.py"): "X = 1\n"}

    class Editable(WorkspaceFiles):
        def read_text(self, path: str) -> str | None:
            return texts.get(os.path.abspath(path)) or super().read_text(path)

    project = Project([str(tmp_path)], Editable([str(tmp_path)]))
    main = str(tmp_path / "main.py")
    assert engine.analyze("import helpers\n", path=main, project=project) == []
    texts[str(tmp_path / "helpers.py")] = (
        "import multiprocessing as mp\nmp.Process(target=print).start()\n")
    project.file_changed(str(tmp_path / "helpers.py"))
    assert [f.code for f in engine.analyze("import helpers\n", path=main, project=project)] == [
        "SPG103"]


def test_cli_reports_related_locations_in_other_files() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "spawnguard", "check", "--format", "json", "factory"],
        cwd=PROJECTS, capture_output=True, text=True)
    items = json.loads(completed.stdout)
    [spg101] = [i for i in items if i["code"] == "SPG101"]
    assert spg101["path"] == os.path.join("factory", "train.py")
    assert [(r["path"], r["line"]) for r in spg101["related"]] == [
        (os.path.join("factory", "data.py"), 13)]


# --- the scripts run: verdict and outcome agree ----------------------------------------------

RUNS = [
    # (script, needs torch, outcome under spawn, outcome under fork)
    ("import_time_start/train.py", False, Outcome.BOOTSTRAP, Outcome.OK),
    ("transitive/train.py", False, Outcome.BOOTSTRAP, Outcome.OK),
    ("factory/train.py", True, Outcome.BOOTSTRAP, Outcome.OK),
    ("factory/train_guarded.py", True, Outcome.OK, Outcome.OK),
    ("collate_factory/train.py", True, Outcome.PICKLING, Outcome.OK),
    ("collate_factory/train_plain.py", True, Outcome.OK, Outcome.OK),
    ("imported_dataset/train.py", True, Outcome.PICKLING, Outcome.OK),
    ("imported_dataset/train_lazy.py", True, Outcome.OK, Outcome.OK),
]


@pytest.fixture(scope="module")
def measured() -> dict[tuple[str, str], object]:
    cases = [(script, method) for script, torch, _, _ in RUNS for method in ("spawn", "fork")
             if HAS_TORCH or not torch]
    with ThreadPoolExecutor(2) as pool:
        outcomes = pool.map(
            lambda case: run_script(PROJECTS / case[0], case[1], timeout=60,
                                    cwd=(PROJECTS / case[0]).parent), cases)
        return dict(zip(cases, outcomes, strict=True))


@pytest.mark.runtime
@pytest.mark.parametrize(("script", "torch", "spawn", "fork"), RUNS, ids=[r[0] for r in RUNS])
def test_multi_file_script_outcome_matches_the_verdict(
        measured: dict, script: str, torch: bool, spawn: Outcome, fork: Outcome) -> None:
    if torch and not HAS_TORCH:
        pytest.skip("torch is not installed (scripts/test.sh installs torch==2.13.0)")
    spawn_run = measured[(script, "spawn")]
    fork_run = measured[(script, "fork")]
    assert spawn_run.outcome == spawn, spawn_run.describe()
    assert fork_run.outcome == fork, fork_run.describe()
    failing = [f for f in findings_of(PROJECTS / script) if f.severity >= Severity.WARNING]
    assert bool(failing) == (spawn != Outcome.OK)


# --- the prefilter loses nothing ---------------------------------------------------------------


def full_run(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple]]:
    """Every file analysed by every rule, with no text prefilter (the reference)."""
    monkeypatch.setattr(Project, "may_matter_to", lambda self, text, path: True)
    try:
        with prefilters_off():
            return run_tree(root)
    finally:
        monkeypatch.undo()


def run_tree(root: Path) -> dict[str, list[tuple]]:
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    texts = {}
    for path in files:
        try:
            texts[str(path)] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    project = batch.make_project([str(root)], texts)
    jobs = [batch.Job(i, path, text, AnalysisSettings()) for i, (path, text) in
            enumerate(texts.items())]
    found = batch.analyse_jobs(jobs, project, workers=1)
    paths = list(texts)
    return {paths[i]: [(f.code, f.range, f.message) for f in findings]
            for i, findings in found.items() if findings}


def without_syntax_errors(results: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    kept = {path: [f for f in findings if f[0] != "SPG000"] for path, findings in results.items()}
    return {path: findings for path, findings in kept.items() if findings}


def assert_prefilter_loses_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefiltered = run_tree(root)
    reference = full_run(root, monkeypatch)
    assert without_syntax_errors(prefiltered) == without_syntax_errors(reference)
    # Syntax errors are reported only for files that may hold a spawn problem.
    for path, findings in prefiltered.items():
        for finding in findings:
            if finding[0] == "SPG000":
                assert finding in reference[path]


def test_prefilter_loses_nothing_on_the_cross_file_projects(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert_prefilter_loses_nothing(PROJECTS, monkeypatch)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_prefilter_loses_nothing_on_the_torch_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    assert_prefilter_loses_nothing(Path(torch.__file__).parent, monkeypatch)


@pytest.mark.parametrize("import_text", [
    "from . import (  # comment (with brackets)\n    helpers,  # note)\n    starter,\n)\n",
    "from . import helpers, \\\n    starter\n",
    "from .\fimport\fstarter\n",
    "from . import (helpers\n    as h, starter\n    as s)\n",
], ids=["comments-in-list", "backslash", "form-feeds", "aliases-over-lines"])
def test_prefilter_follows_every_import_spelling(
        import_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-file text test reads imports the way Python does: SPG103 is found (with the
    prefilter, as without it) however the import of the starting module is spelled."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "helpers.py").write_text("X = 1\n", encoding="utf-8")
    (package / "starter.py").write_text(
        "import multiprocessing as mp\n\n\ndef work():\n    pass\n\n\n"
        "mp.Process(target=work).start()\n", encoding="utf-8")
    (package / "train.py").write_text(import_text, encoding="utf-8")
    found = run_tree(tmp_path)
    assert [f[0] for f in found[str(package / "train.py")]] == ["SPG103"]
    assert_prefilter_loses_nothing(tmp_path, monkeypatch)
