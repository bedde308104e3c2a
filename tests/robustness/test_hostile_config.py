"""Hostile configuration through the real CLI: exit 2 with one clear line naming the key (or
the file), no traceback, in bounded time."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from spawnguard.cli import main

SCRIPT = "import multiprocessing as mp\nmp.Process(target=print).start()\n"
MEGABYTE = 1_000_000
CLI = [sys.executable, "-c", "from spawnguard.cli import main; raise SystemExit(main())"]
TIME_LIMIT = 20.0
MESSAGE_LIMIT = 400


def table(body: str) -> bytes:
    return ("[tool.spawnguard]\n" + body + "\n").encode("utf-8")


def quoted_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


# (id, pyproject.toml bytes, text the one error line must contain)
HOSTILE = [
    ("not-toml", b"[tool.spawnguard\nselect = [", "not valid TOML"),
    ("not-utf8", b"[tool.spawnguard]\nselect = ['\xff']\n", "not valid TOML"),
    ("bom", b"\xef\xbb\xbf" + table('select = ["SPG1"]'), "not valid TOML"),
    ("nested-arrays", table("select = " + "[" * 5000 + "]" * 5000), "not valid TOML"),
    ("megabyte-start-method", table(f'assume-start-method = "{"x" * MEGABYTE}"'),
     "`tool.spawnguard.assume-start-method`"),
    ("megabyte-select-entry", table(f'select = ["{"S" * MEGABYTE}"]'),
     "`tool.spawnguard.select`"),
    ("megabyte-glob", table(f'exclude = ["{"a/" * (MEGABYTE // 2)}"]'),
     "`tool.spawnguard.exclude`"),
    ("megabyte-key", table(f'"{"k" * MEGABYTE}" = 1'), "unknown key"),
    ("megabyte-severity", table(f'severity = {{ SPG101 = "{"w" * MEGABYTE}" }}'),
     "`tool.spawnguard.severity.SPG101`"),
    ("select-100000-valid", table("select = " + quoted_list(["SPG101"] * 100_000)),
     "`tool.spawnguard.select`"),
    ("select-100000-junk", table("select = " + quoted_list(["NOPE"] * 100_000)),
     "`tool.spawnguard.select`"),
    ("ignore-100000", table("ignore = " + quoted_list([f"SPG{i}" for i in range(100_000)])),
     "`tool.spawnguard.ignore`"),
    ("exclude-100000", table("extend-exclude = " + quoted_list([f"d{i}/" for i in range(100_000)])),
     "`tool.spawnguard.extend-exclude`"),
    ("glob-bang", table('exclude = ["!"]'), "`tool.spawnguard.exclude`"),
    ("glob-trailing-backslash", table('extend-exclude = ["a\\\\"]'),
     "`tool.spawnguard.extend-exclude`"),
    ("glob-bad-range", table('exclude = ["ok/", "[z-a]"]'), "'[z-a]'"),
    ("glob-backtracking-stars", table('exclude = ["*a*a*a*a*a*a*a*a*a*b"]'), "`*`"),
    ("glob-backtracking-globstars", table('exclude = ["' + "**/a/" * 8 + 'b"]'), "`**`"),
    ("select-string", table('select = "SPG101"'), "`tool.spawnguard.select`"),
    ("select-integers", table("select = [1, 2]"), "`tool.spawnguard.select`"),
    ("severity-integer", table("severity = 5"), "`tool.spawnguard.severity`"),
    ("severity-level-integer", table("severity = { SPG101 = 3 }"),
     "`tool.spawnguard.severity.SPG101`"),
    ("severity-unknown-code", table('severity = { SPG999 = "error" }'),
     "`tool.spawnguard.severity.SPG999`"),
    ("exclude-string", table('exclude = "build"'), "`tool.spawnguard.exclude`"),
    ("start-method-integer", table("assume-start-method = 42"),
     "`tool.spawnguard.assume-start-method`"),
    ("table-is-integer", b"[tool]\nspawnguard = 5\n", "`tool.spawnguard`"),
    ("unknown-key", table('selct = ["SPG101"]'), "`tool.spawnguard.selct`"),
    ("underscored-key", table('extend_exclude = ["x"]'), "did you mean `extend-exclude`"),
]


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(arguments: list[str], cwd: Path, *, in_process: bool = True
            ) -> tuple[CliResult, float]:
    """The CLI's `main` in this process (an escaping exception fails the test as a traceback
    would), or the real command in a subprocess."""
    started = time.monotonic()
    if in_process:
        stdout, stderr = io.StringIO(), io.StringIO()
        previous = os.getcwd()
        os.chdir(cwd)
        try:
            code = main(arguments, stdout=stdout, stderr=stderr, stdin=io.StringIO())
        finally:
            os.chdir(previous)
        result = CliResult(code, stdout.getvalue(), stderr.getvalue())
    else:
        process = subprocess.run([*CLI, *arguments], cwd=cwd, capture_output=True, text=True,
                                 timeout=120)
        result = CliResult(process.returncode, process.stdout, process.stderr)
    return result, time.monotonic() - started


def assert_one_clear_error(result: CliResult, seconds: float,
                           naming: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[:2000]
    assert lines[0].startswith("spawnguard: error: ")
    assert naming in lines[0]
    assert len(lines[0]) < MESSAGE_LIMIT, lines[0][:500]
    assert result.stdout == ""
    assert seconds < TIME_LIMIT


@pytest.mark.parametrize(("content", "naming"), [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_pyproject(tmp_path: Path, content: bytes, naming: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "script.py").write_text(SCRIPT)
    result, seconds = run_cli(["check", "script.py"], tmp_path)
    assert_one_clear_error(result, seconds, naming)


SUBPROCESS_CASES = ["not-toml", "nested-arrays", "megabyte-start-method", "glob-bad-range",
                    "select-100000-valid"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_hostile_pyproject_in_a_real_process(tmp_path: Path, case: str) -> None:
    """The same through the installed command's process: nothing reaches stderr but the line."""
    content, naming = next(c[1:] for c in HOSTILE if c[0] == case)
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "script.py").write_text(SCRIPT)
    result, seconds = run_cli(["check", "script.py"], tmp_path, in_process=False)
    assert_one_clear_error(result, seconds, naming)


@pytest.mark.parametrize("body", [
    'select = "SPG101"',
    f'assume-start-method = "{"x" * MEGABYTE}"',
    "select = " + quoted_list(["SPG101"] * 100_000),
], ids=["select-string", "megabyte-start-method", "select-100000"])
def test_hostile_config_file_given_with_config(tmp_path: Path, body: str) -> None:
    """A `--config` file that is not a pyproject.toml holds the keys at its top level."""
    (tmp_path / "spawnguard.toml").write_text(body + "\n")
    (tmp_path / "script.py").write_text(SCRIPT)
    result, seconds = run_cli(["check", "--config", "spawnguard.toml", "script.py"], tmp_path)
    key = body.split("=")[0].strip()
    assert_one_clear_error(result, seconds, f"`{key}`")


def test_huge_select_on_the_command_line_is_taken_once(tmp_path: Path) -> None:
    """15,000 repeats of one code in one argument (about the most a command line takes)
    select that code, in bounded time."""
    (tmp_path / "script.py").write_text(SCRIPT)
    codes = ",".join(["SPG101"] * 15_000)
    result, seconds = run_cli(["check", "--select", codes, "script.py"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "SPG101" in result.stdout and "Traceback" not in result.stderr
    assert seconds < TIME_LIMIT


def test_acceptable_globs_still_work(tmp_path: Path) -> None:
    """The glob limits leave ordinary globs alone: three `*` in a segment, a few `**`."""
    (tmp_path / "pyproject.toml").write_bytes(
        table('extend-exclude = ["*_x_*_y*.py", "**/skipped/**"]'))
    (tmp_path / "kept.py").write_text(SCRIPT)
    (tmp_path / "a_x_b_y.py").write_text(SCRIPT)
    (tmp_path / "deep" / "skipped").mkdir(parents=True)
    (tmp_path / "deep" / "skipped" / "also.py").write_text(SCRIPT)
    result, seconds = run_cli(["check", "."], tmp_path)
    assert seconds < TIME_LIMIT
    assert result.returncode == 1, result.stderr
    assert "kept.py" in result.stdout
    assert "a_x_b_y.py" not in result.stdout and "also.py" not in result.stdout
