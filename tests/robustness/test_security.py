"""The analyser never imports, executes or evaluates the code it analyses.

A workspace full of files that leave a marker when they run (scripts, the modules they import,
`conftest.py`, `setup.py`, `sitecustomize.py`, package `__init__.py`s the cross-file analysis
reads, modules named like the standard library's) is checked, fixed and diffed through the
CLI and analysed through `engine.analyze` with a `Project`: no marker may appear. A control
proves the markers are live. A static scan of the package finds no call that could run code.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from spawnguard import batch, engine
from spawnguard.analysis.settings import AnalysisSettings

PACKAGE = Path(engine.__file__).resolve().parent
CONSOLE_SCRIPT = shutil.which("spawnguard", path=str(Path(sys.executable).parent))


def marker_code(markers: Path, name: str) -> str:
    """A statement that leaves `markers/name` behind if it is ever executed."""
    return f"open({str(markers / name)!r}, 'w').write('executed')\n"


def build_workspace(root: Path, markers: Path) -> None:
    def write(relative: str, body: str = "") -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        name = relative.replace("/", "_")
        path.write_text(marker_code(markers, name) + body, encoding="utf-8")

    for relative in ("conftest.py", "setup.py", "sitecustomize.py", "usercustomize.py",
                     "__main__.py", "tomllib.py", "pathspec.py", "json.py", "argparse.py",
                     "tests/conftest.py"):
        write(relative)
    write("pkg/__init__.py", "from pkg.data import make_loader\n")
    write("pkg/data.py", (
        "from torch.utils.data import DataLoader\n\n\n"
        "def make_loader(dataset):\n"
        f"    {marker_code(markers, 'make_loader')}"
        "    return DataLoader(dataset, num_workers=2, collate_fn=lambda b: b)\n"))
    write("helpers.py", (
        "import multiprocessing as mp\n\n"
        "pool = mp.Pool(2)\n\n\n"
        f"def work(x=open({str(markers / 'default_argument')!r}, 'w')):\n    return x\n"))
    write("train.py", (
        "import multiprocessing as mp\n"
        "import helpers\n"
        "from pkg import make_loader\n\n\n"
        f"@(lambda f: open({str(markers / 'decorator')!r}, 'w') and f)\n"
        "def show(x):\n    print(x)\n\n\n"
        f"class Config:\n    {marker_code(markers, 'class_body')}\n\n"
        "for batch in make_loader(range(4)):\n    print(batch)\n"
        "mp.Process(target=lambda: print('x')).start()\n"
        f"if __name__ == '__main__':\n    {marker_code(markers, 'main_guard')}"))
    (root / "pyproject.toml").write_text(
        "[build-system]\nrequires = ['setuptools']\n\n[tool.spawnguard]\nselect = ['ALL']\n")
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                           "execution_count": None,
                           "source": [marker_code(markers, "notebook_cell"),
                                      "import multiprocessing as mp\n",
                                      "mp.Pool(2).map(lambda x: x, [1])\n"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "explore.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    root, markers = tmp_path / "workspace", tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    build_workspace(root, markers)
    yield root, markers


def left_markers(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir())


def test_the_markers_are_live(workspace: tuple[Path, Path]) -> None:
    """Control: importing one of the files does leave its marker (so silence means something)."""
    root, markers = workspace
    subprocess.run([sys.executable, "-S", "-c", "import conftest"], cwd=root, check=True,
                   capture_output=True)
    assert left_markers(markers) == ["conftest.py"]


@pytest.mark.skipif(CONSOLE_SCRIPT is None, reason="the spawnguard command is not installed")
@pytest.mark.parametrize("arguments", [
    ["check", "."],
    ["check", "--format", "sarif", "."],
    ["check", "--diff", "."],
    ["check", "--fix", "."],
    ["check", "train.py", "helpers.py", "pkg", "explore.ipynb"],
], ids=["check", "sarif", "diff", "fix", "named-files"])
def test_cli_runs_nothing_from_the_workspace(workspace: tuple[Path, Path],
                                             arguments: list[str]) -> None:
    root, markers = workspace
    assert CONSOLE_SCRIPT is not None
    result = subprocess.run([CONSOLE_SCRIPT, *arguments], cwd=root, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert left_markers(markers) == []
    if arguments[1] not in ("--diff", "--fix"):
        assert "SPG101" in result.stdout and "SPG103" in result.stdout


def test_python_dash_m_runs_nothing_from_the_working_folder(
        workspace: tuple[Path, Path]) -> None:
    """`python -m` puts the working folder first on sys.path; the workspace's `tomllib.py`,
    `pathspec.py`, `json.py` and `argparse.py` must still not be imported."""
    root, markers = workspace
    result = subprocess.run([sys.executable, "-m", "spawnguard", "check", "."], cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "SPG101" in result.stdout
    assert left_markers(markers) == []


def test_engine_with_a_project_runs_nothing(workspace: tuple[Path, Path]) -> None:
    root, markers = workspace
    project = batch.make_project([str(root)], {})
    settings = AnalysisSettings()
    found = set()
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        findings = engine.analyze(text, path=str(path), settings=settings, project=project)
        for finding in findings:
            list(finding.fixes)
        found.update(f.code for f in findings)
        engine.fix_text(text, path=str(path), settings=settings, project=project)
    assert {"SPG101", "SPG103", "SPG201"} <= found
    assert left_markers(markers) == []


# --- the static scan ---------------------------------------------------------------------

FORBIDDEN_BUILTINS = {"exec", "eval", "compile", "__import__", "execfile", "breakpoint"}
FORBIDDEN_MODULE_CALLS = {
    ("importlib", "import_module"), ("importlib", "__import__"), ("builtins", "exec"),
    ("builtins", "eval"), ("builtins", "compile"), ("builtins", "__import__"),
    ("pickle", "load"), ("pickle", "loads"), ("marshal", "load"), ("marshal", "loads"),
    ("os", "system"), ("os", "popen"),
}
FORBIDDEN_METHODS = {"exec_module", "load_module", "spec_from_file_location", "run_path",
                     "run_module", "module_from_spec"}
FORBIDDEN_MODULES = {"runpy", "code", "codeop", "imp"}


def code_running_calls(source: str, filename: str) -> list[str]:
    """Every call in `source` that could import or run code by name or path."""
    found = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{where}: from {module} import ...")
            found += [f"{where}: from {module} import {a.name}" for a in node.names
                      if (module.split(".")[0], a.name) in FORBIDDEN_MODULE_CALLS
                      or a.name in FORBIDDEN_METHODS]
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_BUILTINS:
                found.append(f"{where}: {function.id}(...)")
            elif isinstance(function, ast.Attribute):
                base = function.value
                base_name = base.id if isinstance(base, ast.Name) else None
                if ((base_name, function.attr) in FORBIDDEN_MODULE_CALLS
                        or function.attr in FORBIDDEN_METHODS):
                    found.append(f"{where}: {base_name or '...'}.{function.attr}(...)")
            if (isinstance(function, ast.Name) and function.id == "getattr" and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "builtins"):
                found.append(f"{where}: getattr(builtins, ...)")
    return found


def test_static_scan_finds_what_it_looks_for() -> None:
    """The scan itself can fail: every forbidden form in a snippet is reported."""
    snippet = (
        "import runpy\nimport importlib\nimport builtins\nfrom importlib import import_module\n"
        "exec('x')\neval('1')\ncompile('x', 'f', 'exec')\n__import__('os')\n"
        "importlib.import_module(name)\nbuiltins.exec('x')\ngetattr(builtins, 'exec')\n"
        "spec.loader.exec_module(module)\nimportlib.util.spec_from_file_location('m', p)\n"
        "runpy.run_path(p)\npickle.loads(data)\nos.system('x')\n"
        "ast.parse(text)\nre.compile('x')\n"
    )
    found = code_running_calls(snippet, "snippet.py")
    flagged_lines = {int(entry.split(":")[1]) for entry in found}
    assert flagged_lines == set(range(1, 17)) - {2, 3}, found


def test_the_package_never_runs_code_by_name_or_path() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        offenders += code_running_calls(path.read_text(encoding="utf-8"),
                                        str(path.relative_to(PACKAGE)))
    assert offenders == []
