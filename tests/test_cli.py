"""`spawnguard check` / `rule` / `serve`, driven as a subprocess and in-process on temp trees.

Tests on the worker script (JOB) need the lead's rules: SPG101 at the `.start()` call on line
4 and SPG201 at the lambda on line 3. The others rely on SPG000 (syntax and read errors), or on
a small test rule plugged into the engine to exercise `--fix` / `--diff` byte handling.
"""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # PyYAML, a test extra: the pre-commit hooks file

import spawnguard
from spawnguard import cli, engine
from spawnguard.analysis.findings import Finding, Fix, Range, Severity, TextEdit
from spawnguard.analysis.model import ModuleModel
from spawnguard.docs import render_rule_page
from spawnguard.rules import RULES_BY_CODE
from spawnguard.rules.base import Rule

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_BROKEN = REPO_ROOT / "examples" / "broken"

JOB = (
    "import multiprocessing as mp\n"
    "\n"
    'p = mp.Process(target=lambda: print("hi"))\n'
    "p.start()\n"
    "p.join()\n"
)
# The line before the syntax error's column holds characters of 2, 3 and 4 UTF-8 bytes (and
# a UTF-16 surrogate pair): columns must count code points.
NON_ASCII_PREFIX = 'x = "é😀"; '
# spawnguard only parses files that could hold a spawn problem; the comment naming a worker
# API call (Pool()) makes these broken files such files.
SYNTAX_ERROR_LINE = NON_ASCII_PREFIX + "y = )  # Pool()"
SYNTAX_ERROR_COLUMN = SYNTAX_ERROR_LINE.index(")") + 1
BROKEN = "def f(:  # Pool()\n"


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m spawnguard`; output decoded as UTF-8 with line endings untouched."""
    completed = subprocess.run(
        [sys.executable, "-m", "spawnguard", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    stdout, stderr = completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    return subprocess.CompletedProcess(completed.args, completed.returncode, stdout, stderr)


def run_json(*args: str, cwd: Path) -> tuple[int, list[dict]]:
    completed = run("check", "--format", "json", *args, cwd=cwd)
    return completed.returncode, json.loads(completed.stdout)


def reported_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if not line.startswith(("Found", "No "))]


# --- the basics, on syntax errors ----------------------------------------------------------------


def test_text_output_exit_code_and_code_point_columns(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", f"import os\n{SYNTAX_ERROR_LINE}\n")
    completed = run("check", "bad.py", cwd=tmp_path)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0].startswith(f"bad.py:2:{SYNTAX_ERROR_COLUMN}: SPG000 SyntaxError")
    assert lines[-1] == "Found 1 problem (0 fixable)."


def test_json_fields_for_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", f"import os\n{SYNTAX_ERROR_LINE}\n")
    code, items = run_json("bad.py", cwd=tmp_path)
    assert code == 1
    [item] = items
    assert item["path"] == "bad.py"
    assert item["code"] == "SPG000"
    assert item["severity"] == "error"
    assert (item["line"], item["column"]) == (2, SYNTAX_ERROR_COLUMN)
    line = SYNTAX_ERROR_LINE
    assert line[item["column"] - 1 : item["end_column"] - 1] == ")"
    assert item["related"] == []
    # Only a suppression is offered for a syntax error: not preferred, so nothing is fixable.
    assert [fix["preferred"] for fix in item["fixes"]] == [False] * len(item["fixes"])


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "import os\nprint(os.sep)\n")
    completed = run("check", "ok.py", cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout
    assert completed.stdout.strip() == "No problems found."


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    completed = run("--version", cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"spawnguard {spawnguard.__version__}"


def test_no_command_prints_usage_and_exits_2(tmp_path: Path) -> None:
    completed = run(cwd=tmp_path)
    assert completed.returncode == 2
    assert "check" in completed.stderr


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    completed = run("check", "--frobnicate", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--frobnicate" in completed.stderr


@pytest.mark.parametrize("command", ["check", "rule"])
def test_an_unknown_option_shows_the_usage_of_its_command(tmp_path: Path, command: str) -> None:
    completed = run(command, "--bogus", "x.py", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    usage, error = completed.stderr.split(f"spawnguard {command}: error: ")
    assert usage.startswith(f"usage: spawnguard {command} [-h]")
    if command == "check":
        assert "--stdin-filename NAME" in usage
    assert error == "unrecognized arguments: --bogus\n"
    # Outside a command it is still the top-level usage.
    top = run("--bogus", cwd=tmp_path)
    assert top.returncode == 2
    assert top.stderr.startswith("usage: spawnguard [-h] [--version] COMMAND")


def test_bad_format_is_a_usage_error(tmp_path: Path) -> None:
    completed = run("check", "--format", "xml", cwd=tmp_path)
    assert completed.returncode == 2
    assert "xml" in completed.stderr


# --- walking folders ---------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    for skipped in ("site-packages", ".venv", "venv", "node_modules", "build", ".git",
                    "__pycache__", ".tox", ".hidden", "pkg/.cache"):
        write(root, f"{skipped}/broken.py", BROKEN)
    write(root, "top.py", BROKEN)
    write(root, "pkg/sub/deep.py", "class C(  # Pool()\n")
    write(root, "pkg/ok.py", "x = 1\n")
    write(root, "pkg/notes.txt", BROKEN)
    write(root, "pkg/stub.pyi", BROKEN)


def test_no_path_checks_the_current_folder_and_skips_the_usual_folders(tmp_path: Path) -> None:
    make_tree(tmp_path)
    code, items = run_json(cwd=tmp_path)
    assert code == 1
    assert [i["path"] for i in items] == ["pkg/sub/deep.py", "top.py"]


def test_paths_are_shown_under_the_folder_given(tmp_path: Path) -> None:
    make_tree(tmp_path / "project")
    code, items = run_json("project/pkg", "project/top.py", cwd=tmp_path)
    assert code == 1
    assert [i["path"] for i in items] == ["project/pkg/sub/deep.py", "project/top.py"]


def test_output_is_sorted_by_path_line_column(tmp_path: Path) -> None:
    write(tmp_path, "b.py", "x = 1\n\n" + BROKEN)
    write(tmp_path, "a/z.py", "(  # Pool()\n")
    write(tmp_path, "a.py", BROKEN)
    completed = run("check", "b.py", "a", ".", cwd=tmp_path)
    paths = [line.split(":")[0] for line in reported_lines(completed.stdout)]
    # Each file once, even when reached twice.
    assert paths == ["a.py", "a/z.py", "b.py"]


def test_a_folder_given_explicitly_is_walked_even_if_excluded(tmp_path: Path) -> None:
    make_tree(tmp_path)
    code, items = run_json("build", cwd=tmp_path)
    assert [i["path"] for i in items] == ["build/broken.py"]
    assert code == 1


def test_missing_path_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", BROKEN)
    completed = run("check", "bad.py", "nowhere.py", cwd=tmp_path)
    assert completed.returncode == 2
    assert "nowhere.py" in completed.stderr
    assert "no such file" in completed.stderr


# --- configuration -----------------------------------------------------------------------------


def test_excludes_from_pyproject_are_relative_to_its_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.spawnguard]\nextend-exclude = ["generated/", "/scripts/skip.py", "*_old.py"]\n',
    )
    for name in ("generated/a.py", "scripts/skip.py", "scripts/train_old.py", "scripts/run.py",
                 "other/scripts/skip.py"):
        write(tmp_path, name, BROKEN)
    # Run from a subfolder: the globs still count from the pyproject's folder.
    code, items = run_json(".", "../other", cwd=tmp_path / "scripts")
    assert code == 1
    assert [i["path"] for i in items] == ["../other/scripts/skip.py", "run.py"]


def test_a_file_named_explicitly_is_checked_even_if_excluded(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.spawnguard]\nextend-exclude = ["skip.py"]\n')
    write(tmp_path, "skip.py", BROKEN)
    assert run_json(".", cwd=tmp_path) == (0, [])
    code, items = run_json("skip.py", cwd=tmp_path)
    assert (code, [i["path"] for i in items]) == (1, ["skip.py"])


def test_severity_override_below_warning_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.spawnguard]\nseverity = { SPG000 = "hint" }\n')
    write(tmp_path, "bad.py", BROKEN)
    code, items = run_json(cwd=tmp_path)
    assert code == 0
    assert [i["severity"] for i in items] == ["hint"]
    completed = run("check", cwd=tmp_path)
    assert completed.returncode == 0
    assert reported_lines(completed.stdout)[0].startswith("bad.py:1:7: SPG000 [hint] ")


def test_text_output_names_every_severity_but_error(tmp_path: Path) -> None:
    """Like ruff's one-line format, with the severity after the code when it is not an error
    (a hint must not read as an error); the same findings, in order, as `json`."""
    names = sorted(path.name for path in EXAMPLES_BROKEN.glob("*.py"))
    lines = reported_lines(run("check", *names, cwd=EXAMPLES_BROKEN).stdout)
    _, items = run_json(*names, cwd=EXAMPLES_BROKEN)
    assert {i["severity"] for i in items} >= {"error", "hint"}
    assert len(lines) == len(items)
    for line, item in zip(lines, items, strict=True):
        where = f"{item['path']}:{item['line']}:{item['column']}: {item['code']} "
        tag = "" if item["severity"] == "error" else f"[{item['severity']}] "
        assert line == where + tag + item["message"]


def test_select_and_ignore_flags(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", BROKEN)
    assert run_json("--ignore", "SPG000", cwd=tmp_path) == (0, [])
    assert run_json("--select", "SPG1,SPG2", cwd=tmp_path) == (0, [])
    code, items = run_json("--select", "SPG1", "--select", "spg000", cwd=tmp_path)
    assert (code, len(items)) == (1, 1)


def test_cli_ignore_adds_to_the_configured_selection(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.spawnguard]\nselect = ["SPG000"]\n')
    write(tmp_path, "bad.py", BROKEN)
    assert run_json(cwd=tmp_path)[0] == 1
    assert run_json("--ignore", "SPG0", cwd=tmp_path) == (0, [])


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('[tool.spawnguard]\nselekt = ["SPG1"]\n', ["tool.spawnguard.selekt", "select"]),
        ('[tool.spawnguard]\nseverity = { SPG201 = "loud" }\n',
         ["tool.spawnguard.severity.SPG201", "error, warning, information, hint"]),
        ('[tool.spawnguard]\nassume-start-method = "vfork"\n',
         ["assume-start-method", "spawn, forkserver, fork"]),
        ('[tool.spawnguard]\nselect = ["SPG9"]\n', ["tool.spawnguard.select", "SPG101"]),
        ('[tool.spawnguard]\nexclude = ["\\\\"]\n', ["tool.spawnguard.exclude", "invalid glob"]),
        ("[tool.spawnguard\n", ["pyproject.toml", "not valid TOML"]),
    ],
)
def test_config_errors_exit_2_with_a_message_and_no_traceback(
    tmp_path: Path, pyproject: str, expected: list[str]
) -> None:
    write(tmp_path, "pyproject.toml", pyproject)
    write(tmp_path, "ok.py", "x = 1\n")
    completed = run("check", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("spawnguard: error: ")
    for words in expected:
        assert words in completed.stderr
    assert completed.stdout == ""


def test_bad_select_flag_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "x = 1\n")
    completed = run("check", "--select", "SPG101,E501", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--select" in completed.stderr and "'E501'" in completed.stderr


def test_config_flag(tmp_path: Path) -> None:
    write(tmp_path, "settings/spawnguard.toml", 'ignore = ["SPG000"]\n')
    write(tmp_path, "bad.py", BROKEN)
    assert run_json("--config", "settings/spawnguard.toml", cwd=tmp_path) == (0, [])
    completed = run("check", "--config", "nope.toml", cwd=tmp_path)
    assert completed.returncode == 2
    assert "nope.toml" in completed.stderr


# --- unreadable files, stdin, exit-zero, output file -------------------------------------------


def test_non_utf8_file_is_spg000_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "a_latin1.py", 'print("ok")\ns = "café"\n'.encode("latin-1"))
    write(tmp_path, "b_broken.py", BROKEN)
    write(tmp_path, "c_ok.py", "x = 1\n")
    code, items = run_json(cwd=tmp_path)
    assert code == 1
    assert [(i["path"], i["code"]) for i in items] == [
        ("a_latin1.py", "SPG000"),
        ("b_broken.py", "SPG000"),
    ]
    assert items[0]["message"].startswith("cannot read: not UTF-8")
    assert items[0]["line"] == 2


def test_utf8_bom_is_read(tmp_path: Path) -> None:
    write(tmp_path, "bom.py", b"\xef\xbb\xbfx = 1\n")
    assert run_json("bom.py", cwd=tmp_path) == (0, [])


def test_stdin_with_and_without_a_filename(tmp_path: Path) -> None:
    source = f"{SYNTAX_ERROR_LINE}\n".encode()
    completed = run("check", "-", "--format", "json", cwd=tmp_path, stdin=source)
    assert completed.returncode == 1
    [item] = json.loads(completed.stdout)
    assert (item["path"], item["column"]) == ("-", SYNTAX_ERROR_COLUMN)
    named = run("check", "-", "--stdin-filename", "src/job.py", cwd=tmp_path, stdin=source)
    assert named.stdout.startswith(f"src/job.py:1:{SYNTAX_ERROR_COLUMN}: SPG000")
    # --stdin-filename alone reads stdin too.
    implied = run("check", "--stdin-filename", "x.py", cwd=tmp_path, stdin=b"x = 1\n")
    assert (implied.returncode, implied.stdout.strip()) == (0, "No problems found.")


def test_exit_zero(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", BROKEN)
    completed = run("check", "--exit-zero", cwd=tmp_path)
    assert completed.returncode == 0
    assert "SPG000" in completed.stdout
    assert run("check", "--exit-zero", "missing.py", cwd=tmp_path).returncode == 2


def test_output_file(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", BROKEN)
    completed = run("check", "--format", "json", "--output-file", "report.json", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout == ""
    [item] = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert item["path"] == "bad.py"


def test_github_format_end_to_end(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", f"{SYNTAX_ERROR_LINE}\n")
    completed = run("check", "--format", "github", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout.startswith(
        f"::error file=bad.py,line=1,col={SYNTAX_ERROR_COLUMN},endLine=1,"
        f"endColumn={SYNTAX_ERROR_COLUMN + 1},title=SPG000::SyntaxError"
    )


# A code cell whose `source` list holds numbers: once a TypeError and a traceback.
INVALID_NOTEBOOK = json.dumps(
    {"cells": [{"cell_type": "code", "source": ["import os\n"]},
               {"cell_type": "code", "source": [1, 2]}], "metadata": {}, "nbformat": 4}
)


@pytest.mark.parametrize("mode", [(), ("--fix",), ("--diff",)])
def test_an_invalid_notebook_is_spg000_and_the_run_goes_on(
    tmp_path: Path, mode: tuple[str, ...]
) -> None:
    notebook = write(tmp_path, "a.ipynb", INVALID_NOTEBOOK)
    write(tmp_path, "b.py", BROKEN)
    # `run` fails on a traceback; the exit code is the one a file that does not parse gets.
    both = run("check", "--format", "json", *mode, "a.ipynb", "b.py", cwd=tmp_path)
    notebook_alone = run("check", "--format", "json", *mode, "a.ipynb", cwd=tmp_path)
    broken_alone = run("check", "--format", "json", *mode, "b.py", cwd=tmp_path)
    assert notebook_alone.returncode == broken_alone.returncode == both.returncode
    assert notebook.read_text(encoding="utf-8") == INVALID_NOTEBOOK
    if mode == ("--diff",):  # --diff prints diffs, not findings
        assert both.stdout == notebook_alone.stdout == ""
        return
    items = json.loads(both.stdout)
    assert [(i["path"], i["code"], i["line"]) for i in items] == [
        ("a.ipynb", "SPG000", 1), ("b.py", "SPG000", 1)
    ]
    assert items[0]["message"] == (
        "not a valid notebook: the source of code cell 2 (entry 2 of cells) is not text "
        "(item 1 of its list is a number)"
    )


# --- in-process: main(argv) ----------------------------------------------------------------------


def test_in_process_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pkg/bad.py", f"\n\n{SYNTAX_ERROR_LINE}\n")
    assert cli.main(["check", "--format", "json", "pkg"]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert (item["path"], item["line"], item["column"]) == (
        "pkg/bad.py", 3, SYNTAX_ERROR_COLUMN
    )
    assert cli.main(["check", "missing"]) == 2
    assert "missing" in capsys.readouterr().err
    assert cli.main(["check", "--format", "nope"]) == 2
    assert cli.main(["--version"]) == 0
    assert spawnguard.__version__ in capsys.readouterr().out


def test_in_process_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(f"{SYNTAX_ERROR_LINE}\n".encode()), encoding="utf-8")
    assert cli.main(["check", "-", "--stdin-filename", "cell.py"], stdin=stdin) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"cell.py:1:{SYNTAX_ERROR_COLUMN}: SPG000")


def test_rule_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rule", "SPG101"]) == 0
    assert capsys.readouterr().out == render_rule_page(RULES_BY_CODE["SPG101"])
    assert cli.main(["rule", "spg201"]) == 0
    assert capsys.readouterr().out.startswith("# SPG201 unpicklable-worker-object")
    assert cli.main(["rule", "broken-main-guard"]) == 0
    assert capsys.readouterr().out.startswith("# SPG301 broken-main-guard")
    assert cli.main(["rule"]) == 0
    listing = capsys.readouterr().out
    assert [line.split()[0] for line in listing.splitlines()] == sorted(RULES_BY_CODE)
    # Code, name, severity, summary: each column starts at the same place on every line,
    # whatever the length of a name, at least two spaces after the longest entry before it.
    columns = set()
    for line in listing.splitlines():
        code, name, severity = line.split()[:3]
        rule = RULES_BY_CODE[code]
        summary = " ".join(rule.summary.split())
        assert (name, severity, line.endswith(summary)) == (
            rule.name, rule.default_severity.label, True)
        columns.add((line.index(f" {name} ") + 1, line.index(f" {severity} ") + 1,
                     len(line) - len(summary)))
    [(name_column, severity_column, summary_column)] = columns
    longest_name = max(len(rule.name) for rule in RULES_BY_CODE.values())
    assert severity_column >= name_column + longest_name + 2
    assert summary_column >= severity_column + len("information") + 2
    completed = run("rule", "SPG999", cwd=tmp_path)
    assert completed.returncode == 2
    assert "SPG999" in completed.stderr
    for code in RULES_BY_CODE:
        assert code in completed.stderr


def test_serve_without_pygls_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)  # makes `import pygls` fail
    assert cli.main(["serve"]) == 2
    assert "pip install 'spawnguard[server]'" in capsys.readouterr().err


def test_pre_commit_hooks_run_the_cli() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert by_id["spawnguard"]["entry"] == "spawnguard check --force-exclude"
    assert by_id["spawnguard-fix"]["entry"] == "spawnguard check --fix --force-exclude"
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        # The entry must parse as a real command line.
        args = cli.build_parser().parse_args([*hook["entry"].split()[1:], "x.py"])
        assert args.command == "check"


# --- --fix / --diff byte handling, with a rule plugged into the engine --------------------------


def _rename_old(model: ModuleModel) -> Iterator[Finding]:
    """Flags every `OLD` and fixes it to `NEW` (a stand-in for a real rule's fix)."""
    for number, line in enumerate(model.source.lines, start=1):
        column = line.find("OLD")
        if column >= 0:
            where = Range.of(number, column, number, column + 3)
            fix = Fix("Rename to NEW", (TextEdit(where, "NEW"),), preferred=True)
            yield Finding("SPG900", Severity.WARNING, "OLD is old", where, fixes=(fix,))


RENAME_RULE = Rule("SPG900", "test-rename", Severity.WARNING, "test rule", _rename_old)


@pytest.fixture
def rename_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engine, "ALL_RULES", (*engine.ALL_RULES, RENAME_RULE))
    monkeypatch.chdir(tmp_path)


CRLF_SOURCE = b'# caf\xc3\xa9 \xf0\x9f\x98\x80\r\nname = "OLD"\r\nprint(name)  # OLD\r\nend = 1'


def test_fix_keeps_crlf_bom_and_reports_what_is_left(
    rename_rule: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "crlf.py", b"\xef\xbb\xbf" + CRLF_SOURCE)
    assert cli.main(["check", "crlf.py"]) == 1
    assert "SPG900" in capsys.readouterr().out
    assert cli.main(["check", "--fix", "crlf.py"]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + CRLF_SOURCE.replace(b"OLD", b"NEW")
    out = capsys.readouterr().out
    assert "Applied 2 fixes." in out and "No problems left." in out
    # Fixing again changes nothing.
    assert cli.main(["check", "--fix", "crlf.py"]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + CRLF_SOURCE.replace(b"OLD", b"NEW")


def test_diff_prints_and_writes_nothing(
    rename_rule: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "crlf.py", CRLF_SOURCE)
    write(tmp_path, "clean.py", "x = 1\n")
    assert cli.main(["check", "--diff", "."]) == 1
    captured = capsys.readouterr()
    assert path.read_bytes() == CRLF_SOURCE
    assert captured.out.startswith("--- a/crlf.py\n+++ b/crlf.py\n")
    assert '-name = "OLD"\r\n' in captured.out
    assert '+name = "NEW"\r\n' in captured.out
    assert "clean.py" not in captured.out
    assert "Would apply 2 fixes to 1 file." in captured.err
    # Nothing to fix: no diff, exit 0.
    assert cli.main(["check", "--diff", "clean.py"]) == 0
    assert capsys.readouterr().out == ""


def test_fix_from_stdin_prints_the_fixed_source(
    rename_rule: None, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(CRLF_SOURCE), encoding="utf-8")
    assert cli.main(["check", "--fix", "-"], stdin=stdin) == 0
    captured = capsys.readouterr()
    assert captured.out.encode("utf-8") == CRLF_SOURCE.replace(b"OLD", b"NEW")
    assert "No problems left." in captured.err


def test_fix_skips_unreadable_files_and_goes_on(
    rename_rule: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin = write(tmp_path, "a.py", 'x = "OLD caf\xe9"\n'.encode("latin-1"))
    good = write(tmp_path, "b.py", 'x = "OLD"\n')
    assert cli.main(["check", "--fix", "--format", "json", "."]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [(i["path"], i["code"]) for i in items] == [("a.py", "SPG000")]
    assert latin.read_bytes() == 'x = "OLD caf\xe9"\n'.encode("latin-1")
    assert good.read_text(encoding="utf-8") == 'x = "NEW"\n'


# --- on the worker script: these need the lead's rules ------------------------------------------


def test_job_script_findings_in_text(tmp_path: Path) -> None:
    write(tmp_path, "job.py", JOB)
    completed = run("check", "job.py", cwd=tmp_path)
    assert completed.returncode == 1
    codes = {(line.split(":")[1], line.split()[1]) for line in reported_lines(completed.stdout)}
    assert ("4", "SPG101") in codes
    assert ("3", "SPG201") in codes


def test_job_script_columns_count_code_points(tmp_path: Path) -> None:
    lines = JOB.splitlines()
    lines[2] = NON_ASCII_PREFIX + lines[2]
    lines[3] = NON_ASCII_PREFIX + lines[3]
    write(tmp_path, "job.py", "\n".join(lines) + "\n")
    code, items = run_json("job.py", cwd=tmp_path)
    assert code == 1
    by_code = {i["code"]: i for i in items}
    start = by_code["SPG101"]
    assert (start["line"], start["end_line"]) == (4, 4)
    start_text = lines[3][start["column"] - 1 : start["end_column"] - 1]
    assert "start" in start_text and start_text in "p.start()"
    lam = by_code["SPG201"]
    assert lam["line"] == 3
    assert lines[2][lam["column"] - 1 : lam["end_column"] - 1] == 'lambda: print("hi")'


def test_job_script_fix_keeps_crlf_and_leaves_no_spg101(tmp_path: Path) -> None:
    path = write(tmp_path, "job.py", JOB.replace("\n", "\r\n"))
    completed = run("check", "--fix", "--format", "json", "job.py", cwd=tmp_path)
    remaining = {i["code"] for i in json.loads(completed.stdout)}
    assert "SPG101" not in remaining
    fixed = path.read_bytes()
    assert fixed != JOB.replace("\n", "\r\n").encode()
    assert b'if __name__ == "__main__":' in fixed
    assert fixed.count(b"\n") == fixed.count(b"\r\n")  # no bare \n slipped in
    ast.parse(fixed.decode("utf-8"))


def test_job_script_diff_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "job.py", JOB.replace("\n", "\r\n"))
    completed = run("check", "--diff", "job.py", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout.startswith("--- a/job.py\n+++ b/job.py\n")
    assert '+if __name__ == "__main__":\r\n' in completed.stdout
    assert path.read_bytes() == JOB.replace("\n", "\r\n").encode()


def test_job_script_fix_from_stdin(tmp_path: Path) -> None:
    completed = run("check", "--fix", "-", cwd=tmp_path, stdin=JOB.encode())
    assert 'if __name__ == "__main__":' in completed.stdout
    ast.parse(completed.stdout)
    assert "SPG101" not in completed.stderr


# --- messages are plain text ---------------------------------------------------------------------

def test_messages_in_every_format_are_plain_text() -> None:
    """The rules write code in Markdown code spans (for the hover); no format shows the
    backticks: text, JSON, SARIF and GitHub messages, and related locations' messages."""
    sources = {path.name: path.read_text(encoding="utf-8")
               for path in sorted(EXAMPLES_BROKEN.glob("*.py"))}
    as_written = [f for name, text in sources.items() for f in engine.analyze(text, path=name)]
    # The test means something only while the rules do write Markdown.
    assert any("`" in f.message for f in as_written)
    assert any("`" in r.message for f in as_written for r in f.related)

    outputs = {fmt: run("check", "--format", fmt, *sources, cwd=EXAMPLES_BROKEN)
               for fmt in ("text", "json", "sarif", "github")}
    assert {fmt: out.returncode for fmt, out in outputs.items()} == dict.fromkeys(outputs, 1)

    items = json.loads(outputs["json"].stdout)
    assert len(items) == len(as_written)
    json_messages = [i["message"] for i in items] + [r["message"] for i in items
                                                    for r in i["related"]]
    [run_log] = json.loads(outputs["sarif"].stdout)["runs"]
    sarif_messages = [r["message"]["text"] for r in run_log["results"]] + [
        related["message"]["text"]
        for r in run_log["results"] for related in r.get("relatedLocations", [])
    ]
    for messages in (json_messages, sarif_messages,
                     reported_lines(outputs["text"].stdout),
                     outputs["github"].stdout.splitlines()):
        assert messages and not [m for m in messages if "`" in m]
    # The same words, without the backticks.
    assert sorted(json_messages) == sorted(
        [f.message.replace("`", "") for f in as_written]
        + [r.message.replace("`", "") for f in as_written for r in f.related]
    )


# --- --fix keeps the imports sorted ---------------------------------------------------------------

# A lambda reading a local goes to a Pool: the fix lifts it to `def task(x, *, factor)` bound
# with `functools.partial`, which needs `import functools` (a standard-library import).
SCALE_SCRIPT = (
    '"""Scale numbers in a pool."""\n'
    "import argparse\n"
    "import multiprocessing as mp\n"
    "from pathlib import Path\n"
    "\n"
    "\n"
    "def main(factor):\n"
    "    with mp.Pool(2) as pool:\n"
    "        print(pool.map(lambda x: x * factor, range(3)), Path(__file__).name)\n"
    "\n"
    "\n"
    'if __name__ == "__main__":\n'
    "    parser = argparse.ArgumentParser()\n"
    '    parser.add_argument("--factor", type=int, default=3)\n'
    "    main(parser.parse_args().factor)\n"
)


def unsorted_imports(path: Path) -> str:
    """ruff's isort check (`I001`) on one file, with no configuration of ours: its report, or
    "" when the imports are sorted."""
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "I", "--quiet",
         str(path)], capture_output=True, text=True, timeout=60,
    )
    return completed.stdout + completed.stderr if completed.returncode else ""


@pytest.mark.runtime
def test_fix_adds_import_functools_among_the_stdlib_imports_and_the_script_runs(
    tmp_path: Path,
) -> None:
    from runtime.harness import Outcome, run_script

    script = write(tmp_path, "scale.py", SCALE_SCRIPT)
    assert unsorted_imports(script) == ""
    broken = run_script(script, "spawn")
    assert broken.outcome == Outcome.PICKLING, broken.describe()

    completed = run("check", "--fix", "scale.py", cwd=tmp_path)
    assert (completed.returncode, completed.stdout) == (0, "Applied 1 fix. No problems left.\n")
    fixed = script.read_text(encoding="utf-8")
    assert fixed.splitlines()[:5] == [
        '"""Scale numbers in a pool."""',
        "import argparse",
        "import functools",
        "import multiprocessing as mp",
        "from pathlib import Path",
    ]
    assert "functools.partial(task, factor=factor)" in fixed
    assert unsorted_imports(script) == ""
    works = run_script(script, "spawn")
    assert (works.outcome, works.stdout) == (Outcome.OK, "[0, 3, 6] scale.py\n"), works.describe()
