"""`spawnguard check` on awkward inputs: nested projects, special and unreadable files, file
names that are not UTF-8, fixes that cannot be written, standard streams that are closed or
full. Each case once led to a wrong report, a lost fix or a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import JOB  # SPG101 at the .start() call, SPG201 at the lambda

from spawnguard import cli, targets

NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"


def spawnguard(*args: str, cwd: Path, stdin: bytes | None = None,
               **options: object) -> subprocess.CompletedProcess[bytes]:
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    completed = subprocess.run([sys.executable, "-m", "spawnguard", *args], cwd=cwd,
                               input=stdin, timeout=60, **options)  # type: ignore[call-overload]
    assert b"Traceback" not in completed.stderr, completed.stderr.decode(errors="replace")
    return completed


def codes_by_path(cwd: Path, *args: str) -> dict[str, list[str]]:
    completed = spawnguard("check", "--format", "json", *args, cwd=cwd)
    found: dict[str, list[str]] = {}
    for item in json.loads(completed.stdout):
        if item["severity"] in ("error", "warning"):
            found.setdefault(item["path"], []).append(item["code"])
    return found


def pyproject(folder: Path, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f"[tool.spawnguard]\n{body}\n")


# --- configuration per folder -------------------------------------------------------------


def test_each_file_of_a_walked_tree_gets_its_nearest_configuration(tmp_path: Path) -> None:
    pyproject(tmp_path, 'ignore = ["SPG201"]')
    pyproject(tmp_path / "sub", 'ignore = ["SPG101"]')
    (tmp_path / "top.py").write_text(JOB)
    (tmp_path / "sub" / "inner.py").write_text(JOB)
    expected = {"top.py": ["SPG101"], os.path.join("sub", "inner.py"): ["SPG201"]}
    assert codes_by_path(tmp_path, ".") == expected
    # The same as checking each file by itself.
    assert codes_by_path(tmp_path, "sub/inner.py") == {
        os.path.join("sub", "inner.py"): ["SPG201"]}


def test_a_sub_project_excludes_relative_to_its_own_folder(tmp_path: Path) -> None:
    pyproject(tmp_path / "sub", 'extend-exclude = ["generated/"]')
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "kept.py").write_text(JOB)
    (tmp_path / "sub" / "generated").mkdir(parents=True)
    (tmp_path / "sub" / "generated" / "skipped.py").write_text(JOB)
    assert set(codes_by_path(tmp_path, ".")) == {os.path.join("generated", "kept.py")}


def test_a_broken_sub_project_configuration_is_an_error_when_walked(tmp_path: Path) -> None:
    (tmp_path / "top.py").write_text(JOB)
    pyproject(tmp_path / "sub", "bogus = 1")
    (tmp_path / "sub" / "inner.py").write_text(JOB)
    completed = spawnguard("check", ".", cwd=tmp_path)
    assert completed.returncode == 2
    assert b"bogus" in completed.stderr and b"pyproject.toml" in completed.stderr


def test_with_config_one_configuration_governs_the_whole_walk(tmp_path: Path) -> None:
    pyproject(tmp_path / "sub", 'ignore = ["SPG101"]')
    (tmp_path / "sub" / "inner.py").write_text(JOB)
    (tmp_path / "chosen.toml").write_text('ignore = ["SPG201"]\n')
    assert codes_by_path(tmp_path, "--config", "chosen.toml", ".") == {
        os.path.join("sub", "inner.py"): ["SPG101"]}


# --- files that are not plain files, folders that cannot be read -----------------------------


def test_a_fifo_named_like_a_python_file_is_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "job.py").write_text(JOB)
    assert set(codes_by_path(tmp_path, ".")) == {"job.py"}


def test_a_broken_link_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    completed = spawnguard("check", ".", cwd=tmp_path)
    assert completed.returncode == 1
    assert b"gone.py:1:1: SPG000 cannot read" in completed.stdout


def test_a_folder_that_cannot_be_read_is_reported(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # (As root every folder is readable: the refusal is simulated.)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(JOB)
    (tmp_path / "job.py").write_text(JOB)
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(os.path.normpath(path)) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(targets.os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    for given in (".", "locked"):
        stdout = io.StringIO()
        code = cli.main(["check", given], stdout=stdout, stderr=io.StringIO())
        assert code == 1
        assert "locked:1:1: SPG000 cannot read folder: Permission denied" in stdout.getvalue()
        assert "hidden.py" not in stdout.getvalue()


def test_file_names_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "tree"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"w\xff.py"), "wb") as handle:
        handle.write(JOB.encode())
    for output_format in ("text", "json", "sarif", "github"):
        completed = spawnguard("check", "--format", output_format, "tree", cwd=tmp_path)
        assert completed.returncode == 1, output_format
        shown = {"json": "w\\\\xff.py", "sarif": "w%5Cxff.py"}.get(output_format, "w\\xff.py")
        assert shown in completed.stdout.decode("utf-8"), output_format
    diff = spawnguard("check", "--diff", "tree", cwd=tmp_path)
    assert diff.returncode == 1 and b"+++ b/tree/w\\xff.py" in diff.stdout


@pytest.mark.parametrize("option", ["--stdin-filename", "--config"])
def test_paths_the_system_refuses_are_clear_errors(tmp_path: Path, option: str) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for bad in ("a" * 300 + "/x.py", "loop/x.py"):
        completed = spawnguard("check", option, bad, "-", cwd=tmp_path, stdin=JOB.encode())
        assert completed.returncode in (1, 2), completed.stderr
        if option == "--config":
            assert completed.returncode == 2 and b"--config" in completed.stderr


# --- fixes that cannot be written ----------------------------------------------------------


def test_a_notebook_is_not_changed_when_its_new_module_cannot_be_created(
        tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / "executor.ipynb", tmp_path / "executor.ipynb")
    (tmp_path / "executor_workers.py").write_text("# someone else's module\n")
    before = (tmp_path / "executor.ipynb").read_bytes()
    completed = spawnguard("check", "--fix", "executor.ipynb", cwd=tmp_path)
    assert completed.returncode == 1
    assert (tmp_path / "executor.ipynb").read_bytes() == before
    assert (tmp_path / "executor_workers.py").read_text() == "# someone else's module\n"
    report = completed.stdout.decode()
    assert "SPG401" in report and "executor_workers.py: it exists; no fix applied" in report
    assert "Applied 0 fixes" in report
    diff = spawnguard("check", "--diff", "executor.ipynb", cwd=tmp_path)
    assert diff.returncode == 0 and diff.stdout == b""


def test_a_fix_that_cannot_be_written_reports_the_findings_left(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "job.py"
    script.write_text(JOB)

    def refuse(self: Path, data: bytes) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    stdout = io.StringIO()
    code = cli.main(["check", "--fix", str(script)], stdout=stdout, stderr=io.StringIO())
    assert code == 1
    report = stdout.getvalue()
    assert script.read_text() == JOB
    assert "SPG101" in report and "SPG201" in report
    assert "cannot write" in report and "Permission denied; no fix applied" in report
    assert "Applied 0 fixes" in report


# --- standard input and output ---------------------------------------------------------------


def test_fix_on_stdin_that_is_not_utf8_gives_the_input_back(tmp_path: Path) -> None:
    data = b'x = "\xff"  # Pool()\n'
    completed = spawnguard("check", "--fix", "-", cwd=tmp_path, stdin=data)
    assert completed.stdout == data
    assert b"SPG000 cannot read: not UTF-8" in completed.stderr


def test_fix_on_stdin_keeps_a_byte_order_mark(tmp_path: Path) -> None:
    completed = spawnguard("check", "--fix", "-", cwd=tmp_path,
                           stdin=b"\xef\xbb\xbf" + JOB.encode())
    assert completed.stdout.startswith(b"\xef\xbb\xbf")
    assert b'if __name__ == "__main__":' in completed.stdout


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
@pytest.mark.parametrize("value", ["", ","])
def test_an_empty_selection_is_an_error(tmp_path: Path, flag: str, value: str) -> None:
    (tmp_path / "job.py").write_text(JOB)
    completed = spawnguard("check", flag, value, "job.py", cwd=tmp_path)
    assert completed.returncode == 2
    assert f"{flag}: no rule code given".encode() in completed.stderr


def test_output_to_a_full_device_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(JOB)
    with open("/dev/full", "wb") as full:
        completed = spawnguard("check", "job.py", cwd=tmp_path, stdout=full)
    assert completed.returncode == 2
    assert b"spawnguard: error: No space left on device" in completed.stderr


def test_closed_standard_streams(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(JOB)
    closed_stdout = spawnguard("check", "job.py", cwd=tmp_path, stdout=None,
                               preexec_fn=lambda: os.close(1))
    assert closed_stdout.returncode == 1  # findings; the report has nowhere to go
    closed_stdin = spawnguard("check", "-", cwd=tmp_path, stdin=None,
                              preexec_fn=lambda: os.close(0))
    assert closed_stdin.returncode == 1
    assert b"SPG000 cannot read standard input: it is closed" in closed_stdin.stdout


# --- --force-exclude ---------------------------------------------------------------------------


def test_force_exclude_skips_named_files_that_an_exclude_glob_matches(tmp_path: Path) -> None:
    pyproject(tmp_path, 'extend-exclude = ["generated/", "scratch_*.py"]')
    for name in ("generated/job.py", "scratch_job.py", "job.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(JOB)
    named = ("generated/job.py", "scratch_job.py", "job.py")
    # Named files are checked by default (as in ruff) ...
    assert set(codes_by_path(tmp_path, *named)) == set(named)
    # ... and with --force-exclude (the pre-commit hooks) only those no glob matches.
    assert set(codes_by_path(tmp_path, "--force-exclude", *named)) == {"job.py"}
    # Defaults too: a file inside .venv is skipped.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text(JOB)
    assert codes_by_path(tmp_path, "--force-exclude", ".venv/x.py") == {}
