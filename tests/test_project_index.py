"""The project index at scale: generated projects with thousands of modules, dense import
graphs, import cycles, long import chains and deep call chains.

Each case checks the exact findings, that nothing recursed out of Python's stack (the chains
are longer than the recursion limit), and — through `Project.summaries_built` — that every
module is summarised at most once per text version, and that an edit re-summarises only the
edited module and its importers.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

from spawnguard import batch, engine
from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.workspace import WorkspaceFiles

STARTER = (
    "import multiprocessing as mp\n\n\ndef work():\n    pass\n\n\n"
    "mp.Process(target=work).start()\n"
)
FACTORY = (
    "from torch.utils.data import DataLoader\n\n\n"
    "def make_loader(dataset):\n    return DataLoader(dataset, num_workers=2)\n"
)
SCRIPT_WITH_LOADER = (
    "from {module} import make_loader\n\n"
    "for batch in make_loader(list(range(8))):\n    print(batch)\n"
)


class EditableFiles(WorkspaceFiles):
    """The disk, with texts that a test can change without writing (an editor's buffers)."""

    def __init__(self, roots: list[str]) -> None:
        super().__init__(roots)
        self.buffers: dict[str, str] = {}

    def read_text(self, path: str) -> str | None:
        return self.buffers.get(os.path.abspath(path)) or super().read_text(path)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def project_at(root: Path) -> tuple[Project, EditableFiles]:
    files = EditableFiles([str(root)])
    return Project([str(root)], files), files


def problems(path: Path, project: Project, text: str | None = None) -> list[Finding]:
    text = path.read_text(encoding="utf-8") if text is None else text
    return [f for f in engine.analyze(text, path=str(path), project=project)
            if f.severity >= Severity.WARNING]


def related_files(finding: Finding) -> list[str]:
    return [os.path.basename(r.path) for r in finding.related if r.path]


def assert_each_summarised_once(project: Project) -> None:
    assert project.summaries_built, "nothing was summarised"
    assert max(project.summaries_built.values()) == 1, project.summaries_built.most_common(3)


def chain(length: int, last: str) -> dict[str, str]:
    """m0 imports m1 imports ... m<length-1>, whose text is `last`."""
    files = {f"m{i}.py": f"import m{i + 1}\n\nVALUE_{i} = {i}\n" for i in range(length - 1)}
    files[f"m{length - 1}.py"] = last
    return files


def test_an_import_chain_longer_than_the_recursion_limit(tmp_path: Path) -> None:
    length = 3000
    assert length > sys.getrecursionlimit()
    write(tmp_path, chain(length, STARTER))
    write(tmp_path, {"train.py": "import m0\n"})
    project, _ = project_at(tmp_path)
    [finding] = problems(tmp_path / "train.py", project)
    assert finding.code == "SPG103"
    assert related_files(finding) == [f"m{length - 1}.py"]
    # Every module on the chain hands the start on; none that does not need it is parsed.
    assert len(project.summaries_built) == length
    assert_each_summarised_once(project)


def test_a_chain_of_modules_that_start_nothing_is_scanned_not_summarised(
        tmp_path: Path) -> None:
    write(tmp_path, chain(3000, "VALUE = 1\n"))
    write(tmp_path, {"train.py": "import m0\n"})
    project, _ = project_at(tmp_path)
    assert problems(tmp_path / "train.py", project) == []
    assert project.modules_scanned == 3000
    assert not project.summaries_built


@pytest.mark.parametrize("size", [2, 500])
def test_an_import_cycle_is_settled_as_one(tmp_path: Path, size: int) -> None:
    files = {f"c{i}.py": f"import c{(i + 1) % size}\n" for i in range(size)}
    files[f"c{size - 1}.py"] = f"import c0\n{STARTER}"
    write(tmp_path, files)
    project, _ = project_at(tmp_path)
    # Importing any member imports the whole cycle, the starter among them.
    for member in (0, size // 2, size - 1):
        script = tmp_path / f"train_{member}.py"
        script.write_text(f"import c{member}\n", encoding="utf-8")
        [finding] = problems(script, project)
        assert finding.code == "SPG103"
        assert related_files(finding) == [f"c{size - 1}.py"]
    assert len(project.summaries_built) == size
    assert_each_summarised_once(project)


def test_five_thousand_modules_with_a_dense_import_graph(tmp_path: Path) -> None:
    rng = random.Random(5000)
    count = 5000
    files = {"pkg/__init__.py": ""}
    for i in range(count):
        # Each module imports 15 modules further down (an acyclic, dense graph) ...
        targets = sorted(rng.sample(range(i + 1, count), min(15, count - i - 1)))
        imports = "".join(f"from pkg import mod{t}\n" for t in targets)
        files[f"pkg/mod{i}.py"] = f"{imports}\nVALUE = {i}\n"
    # ... one module near the top also imports a module that starts workers when imported,
    # and one near the bottom is a DataLoader factory.
    files["pkg/mod7.py"] = "from pkg import starter\n" + files["pkg/mod7.py"]
    files["pkg/mod0.py"] = "from pkg import mod7\n" + files["pkg/mod0.py"]
    files["pkg/starter.py"] = STARTER
    files["pkg/mod4995.py"] = FACTORY
    write(tmp_path, files)
    write(tmp_path, {
        "train.py": "import pkg.mod0\n",
        "quiet.py": "import pkg.mod4000\n",
        "loader.py": SCRIPT_WITH_LOADER.format(module="pkg.mod4995"),
    })
    project, _ = project_at(tmp_path)
    [finding] = problems(tmp_path / "train.py", project)
    assert finding.code == "SPG103"
    assert related_files(finding) == ["starter.py"]
    assert problems(tmp_path / "quiet.py", project) == []
    [loader] = problems(tmp_path / "loader.py", project)
    assert (loader.code, related_files(loader)) == ("SPG101", ["mod4995.py"])
    # Thousands of modules are read; only the starter, the factory and the modules that
    # import one of them are summarised (mod0 … mod7 can import mod7: the graph points down).
    summarised = {os.path.basename(path) for path in project.summaries_built}
    assert {"starter.py", "mod0.py", "mod7.py", "mod4995.py"} <= summarised
    factory_importers = {name.split("/")[1] for name, text in files.items()
                         if "import mod4995\n" in text}
    assert summarised <= {"starter.py", "mod4995.py", "__init__.py", *factory_importers,
                          *(f"mod{i}.py" for i in range(8))}
    assert project.modules_scanned > 3000
    assert_each_summarised_once(project)


def test_a_package_that_re_exports_everything(tmp_path: Path) -> None:
    count = 300
    files = {f"pkg/part{i}.py": f"def helper{i}():\n    return {i}\n" for i in range(count)}
    files["pkg/loaders.py"] = FACTORY
    files["pkg/__init__.py"] = "".join(
        f"from .part{i} import *\n" for i in range(count)) + "from .loaders import make_loader\n"
    write(tmp_path, files)
    write(tmp_path, {"train.py": SCRIPT_WITH_LOADER.format(module="pkg")})
    project, _ = project_at(tmp_path)
    [finding] = problems(tmp_path / "train.py", project)
    assert (finding.code, related_files(finding)) == ("SPG101", ["loaders.py"])
    assert_each_summarised_once(project)
    assert len(project.summaries_built) <= 2  # the package and its loaders module


def test_a_call_chain_longer_than_the_recursion_limit(tmp_path: Path) -> None:
    depth = 3000
    functions = "".join(f"def f{i}(loader):\n    f{i + 1}(loader)\n\n\n" for i in range(depth))
    text = (
        "from torch.utils.data import DataLoader\n\n\n" + functions
        + f"def f{depth}(loader):\n    for batch in loader:\n        print(batch)\n\n\n"
        "f0(DataLoader(list(range(8)), num_workers=2))\n"
    )
    write(tmp_path, {"train.py": text})
    project, _ = project_at(tmp_path)
    [finding] = problems(tmp_path / "train.py", project)
    assert finding.code == "SPG101"


def test_an_edit_re_summarises_only_the_module_and_its_importers(tmp_path: Path) -> None:
    # top imports middle_a and middle_b; each imports bottom; other imports only leaf.
    write(tmp_path, {
        "bottom.py": STARTER,
        "middle_a.py": "import bottom\n",
        "middle_b.py": "import bottom\n",
        "top.py": "import middle_a\nimport middle_b\n",
        "leaf.py": STARTER,
        "other.py": "import leaf\n",
    })
    project, files = project_at(tmp_path)
    assert [f.code for f in problems(tmp_path / "top.py", project)] == ["SPG103", "SPG103"]
    assert [f.code for f in problems(tmp_path / "other.py", project)] == ["SPG103"]
    before = dict(project.summaries_built)
    assert set(map(os.path.basename, before)) == {
        "bottom.py", "middle_a.py", "middle_b.py", "top.py", "leaf.py", "other.py"} - {
        "top.py", "other.py"}
    # The starter is edited into a harmless module: it and its importers are done again.
    bottom = str(tmp_path / "bottom.py")
    files.buffers[bottom] = "VALUE = 1\n"
    project.file_changed(bottom, created_or_deleted=False)
    assert problems(tmp_path / "top.py", project) == []
    assert [f.code for f in problems(tmp_path / "other.py", project)] == ["SPG103"]
    again = {os.path.basename(path) for path, count in project.summaries_built.items()
             if count > before.get(path, 0)}
    # bottom now starts nothing: it is scanned again, not summarised; its importers are
    # settled from the scan without a parse; leaf and other are untouched.
    assert again <= {"bottom.py", "middle_a.py", "middle_b.py"}
    assert "leaf.py" not in again
    # An edit that changes nothing (a file opened or saved) invalidates nothing.
    scanned = project.modules_scanned
    project.file_changed(str(tmp_path / "leaf.py"), created_or_deleted=False)
    assert [f.code for f in problems(tmp_path / "other.py", project)] == ["SPG103"]
    assert project.modules_scanned == scanned


def test_the_cli_batch_settles_the_index_once_for_a_big_tree(tmp_path: Path) -> None:
    files = chain(1500, STARTER)
    files.update({f"unrelated{i}.py": f"X = {i}\n" for i in range(200)})
    write(tmp_path, files)
    write(tmp_path, {"train.py": "import m0\n",
                     "loader.py": SCRIPT_WITH_LOADER.format(module="factory"),
                     "factory.py": FACTORY})
    paths = sorted(str(p) for p in tmp_path.glob("*.py"))
    jobs = [batch.Job(i, path, None, AnalysisSettings(), path) for i, path in enumerate(paths)]
    project = batch.make_project([str(tmp_path)], {})
    found = batch.analyse_jobs(jobs, project, workers=2)
    by_name = {os.path.basename(paths[i]): [f.code for f in findings
                                            if f.severity >= Severity.WARNING]
               for i, findings in found.items()}
    assert by_name["train.py"] == ["SPG103"]
    assert by_name["loader.py"] == ["SPG101"]
    assert by_name["m1499.py"] == ["SPG101"]
    assert by_name["m0.py"] == ["SPG103"]
    assert all(not codes for name, codes in by_name.items() if name.startswith("unrelated"))
    # The same answers as one process with the index built lazily.
    lazy = batch.analyse_jobs(jobs, batch.make_project([str(tmp_path)], {}), workers=1)
    assert {i: [(f.code, f.range) for f in v] for i, v in lazy.items()} == {
        i: [(f.code, f.range) for f in v] for i, v in found.items()}


def test_the_cli_says_once_when_a_project_is_too_big_to_index(tmp_path: Path) -> None:
    import subprocess

    write(tmp_path, chain(30, STARTER))
    write(tmp_path, {"train.py": "import m0\n", "script.py": STARTER})
    command = [sys.executable, "-m", "spawnguard", "check", "--format", "json", "."]
    env = {**os.environ, "SPAWNGUARD_MAX_PROJECT_MODULES": "10"}
    limited = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert limited.stderr.count("more than 10 Python modules") == 1
    assert '"SPG103"' not in limited.stdout and '"SPG101"' in limited.stdout
    full = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert "Python modules" not in full.stderr
    assert '"SPG103"' in full.stdout


def test_editing_a_module_that_may_start_workers_touches_no_importer_when_nothing_changes_for_them(
        tmp_path: Path) -> None:
    """The edited module is summarised again at once; when it still hands out no worker start
    (or the same ones), nothing that imports it is looked at again."""
    harmless = ("import multiprocessing as mp\n\n\ndef run():\n    with mp.Pool(2) as pool:\n"
                "        return pool.map(abs, [1, -2])\n")
    files = chain(500, harmless)
    files["train.py"] = "import m0\n"
    write(tmp_path, files)
    project, buffers = project_at(tmp_path)
    assert problems(tmp_path / "train.py", project) == []
    seed = str(tmp_path / "m499.py")
    built, scanned = dict(project.summaries_built), project.modules_scanned
    buffers.buffers[seed] = "# edited\n" + harmless
    project.file_changed(seed, created_or_deleted=False)
    assert problems(tmp_path / "train.py", project) == []
    assert {p: c for p, c in project.summaries_built.items() if c > built.get(p, 0)} == {seed: 2}
    assert project.modules_scanned == scanned + 1
    # An edit that makes it start workers at import reaches the importers.
    buffers.buffers[seed] = harmless + "run()\n"
    project.file_changed(seed, created_or_deleted=False)
    [finding] = problems(tmp_path / "train.py", project)
    assert (finding.code, related_files(finding)) == ("SPG103", ["m499.py"])
