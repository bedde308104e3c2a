"""The report formats, on hand-made findings (exact fields) and on real CLI runs (SARIF schema)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import spawnguard
from spawnguard.analysis.findings import Finding, Fix, Range, Related, Severity, TextEdit
from spawnguard.output import FORMATS, FileReport, Report, github, sarif, text
from spawnguard.rules import RULES_BY_CODE

REPO_ROOT = Path(__file__).resolve().parent.parent

WRAP_FIX = Fix(
    "Wrap in `if __name__ == \"__main__\":`",
    (
        TextEdit(Range.of(4, 0, 4, 0), 'if __name__ == "__main__":\n    '),
        TextEdit(Range.of(5, 0, 5, 0), "    "),
    ),
    preferred=True,
)
IGNORE_FIX = Fix(
    "Ignore SPG101 on this line",
    (TextEdit(Range.of(4, 9, 4, 9), "  # spawnguard: ignore[SPG101]"),),
    is_suppression=True,
)
START = Finding(
    code="SPG101",
    severity=Severity.ERROR,
    message="Process.start() runs at import time",
    range=Range.of(4, 0, 4, 9),
    related=(Related(Range.of(3, 4, 3, 14), "process created here"),),
    fixes=(WRAP_FIX, IGNORE_FIX),
)
LAMBDA = Finding(
    code="SPG201",
    severity=Severity.WARNING,
    message="a lambda cannot be pickled",
    range=Range.of(3, 22, 3, 41),
    related=(Related(Range.of(1, 0, 1, 5), "elsewhere", path="other.py"),),
)
HINT = Finding("SPG501", Severity.HINT, "work at import", Range.of(1, 0, 2, 3))
NOTE = Finding("SPG601", Severity.INFORMATION, "fork only", Range.of(2, 0, 2, 1))
# A notebook finding: its range is line 5 of code cell 2, its related location is in cell 1.
IN_CELL = Finding(
    code="SPG401",
    severity=Severity.ERROR,
    message="`square` is defined in this notebook",
    range=Range.of(5, 14, 5, 20),
    related=(Related(Range.of(1, 0, 2, 12), "`square` is defined here", cell=1),),
    fixes=(
        Fix(
            "Move square to a new module",
            (TextEdit(Range.of(1, 0, 3, 0), "from nb_workers import square\n", cell=1),),
            preferred=True,
        ),
    ),
    cell=2,
)


def make_report(*files: tuple[str, list[Finding]], fixes_applied: int | None = None) -> Report:
    return Report(
        tuple(FileReport(path, tuple(findings)) for path, findings in files),
        base_dir=REPO_ROOT,
        fixes_applied=fixes_applied,
    )


# --- json --------------------------------------------------------------------------------------


def test_json_fields_are_one_based_and_end_exclusive() -> None:
    report = make_report(("pkg/job.py", [START]))
    [item] = json.loads(FORMATS["json"](report))
    assert item == {
        "path": "pkg/job.py",
        "code": "SPG101",
        "severity": "error",
        "message": "Process.start() runs at import time",
        "line": 4,
        "column": 1,
        "end_line": 4,
        "end_column": 10,
        "related": [
            {
                "path": "pkg/job.py",
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 15,
                "message": "process created here",
            }
        ],
        "fixes": [
            {
                "title": WRAP_FIX.title,
                "preferred": True,
                "edits": [
                    {
                        "line": 4,
                        "column": 1,
                        "end_line": 4,
                        "end_column": 1,
                        "new_text": 'if __name__ == "__main__":\n    ',
                    },
                    {"line": 5, "column": 1, "end_line": 5, "end_column": 1, "new_text": "    "},
                ],
            },
            {
                "title": IGNORE_FIX.title,
                "preferred": False,
                "edits": [
                    {
                        "line": 4,
                        "column": 10,
                        "end_line": 4,
                        "end_column": 10,
                        "new_text": "  # spawnguard: ignore[SPG101]",
                    }
                ],
            },
        ],
    }


def test_json_related_in_another_file_keeps_its_path_and_severity_labels() -> None:
    report = make_report(("a.py", [LAMBDA, HINT, NOTE]))
    items = json.loads(FORMATS["json"](report))
    assert [i["severity"] for i in items] == ["hint", "information", "warning"]
    assert items[2]["related"][0]["path"] == "other.py"


def test_output_is_sorted_by_path_line_column() -> None:
    report = make_report(("b.py", [START, LAMBDA]), ("a.py", [NOTE, HINT]))
    items = json.loads(FORMATS["json"](report))
    keys = [(i["path"], i["line"], i["column"]) for i in items]
    assert keys == [("a.py", 1, 1), ("a.py", 2, 1), ("b.py", 3, 23), ("b.py", 4, 1)]


def test_json_keeps_non_ascii_messages_readable() -> None:
    finding = Finding("SPG201", Severity.ERROR, "lambda in « données »", Range.of(1, 0, 1, 1))
    rendered = FORMATS["json"](make_report(("é.py", [finding])))
    assert "« données »" in rendered
    assert json.loads(rendered)[0]["path"] == "é.py"


# --- text --------------------------------------------------------------------------------------


def test_text_lines_and_summary() -> None:
    report = make_report(("job.py", [START, LAMBDA, HINT, NOTE]))
    lines = text.render(report).splitlines()
    # An error has no severity tag; every other finding names its own (as in `json`).
    assert lines == [
        "job.py:1:1: SPG501 [hint] work at import",
        "job.py:2:1: SPG601 [information] fork only",
        "job.py:3:23: SPG201 [warning] a lambda cannot be pickled",
        "job.py:4:1: SPG101 Process.start() runs at import time",
        "Found 4 problems (1 fixable).",
    ]


def test_text_summary_wording() -> None:
    assert text.summary(make_report(("a.py", [HINT]))) == "Found 1 problem (0 fixable)."
    assert text.summary(make_report(("a.py", []))) == "No problems found."
    after_fix = make_report(("a.py", []), fixes_applied=2)
    assert text.summary(after_fix) == "Applied 2 fixes. No problems left."
    one_left = make_report(("a.py", [NOTE]), fixes_applied=1)
    assert text.summary(one_left) == "Applied 1 fix. Found 1 problem left (0 fixable)."


def test_text_puts_a_multi_line_message_on_one_line() -> None:
    finding = Finding("SPG101", Severity.ERROR, "first\nsecond", Range.of(1, 0, 1, 1))
    assert text.render(make_report(("a.py", [finding]))).splitlines()[0] == (
        "a.py:1:1: SPG101 first second"
    )


# --- github ------------------------------------------------------------------------------------


def test_github_annotations_levels_and_columns() -> None:
    report = make_report(("job.py", [START, LAMBDA, HINT, NOTE]))
    assert github.render(report).splitlines() == [
        "::notice file=job.py,line=1,endLine=2,title=SPG501::work at import",
        "::notice file=job.py,line=2,col=1,endLine=2,endColumn=2,title=SPG601::fork only",
        "::warning file=job.py,line=3,col=23,endLine=3,endColumn=42,title=SPG201::"
        "a lambda cannot be pickled",
        "::error file=job.py,line=4,col=1,endLine=4,endColumn=10,title=SPG101::"
        "Process.start() runs at import time",
    ]


def test_github_escapes_properties_and_message() -> None:
    finding = Finding("SPG101", Severity.ERROR, "100% broken\nsee: docs", Range.of(1, 0, 1, 1))
    [line] = github.render(make_report(("dir,x/a:b.py", [finding]))).splitlines()
    assert line == (
        "::error file=dir%2Cx/a%3Ab.py,line=1,col=1,endLine=1,endColumn=2,title=SPG101::"
        "100%25 broken%0Asee: docs"
    )


def test_github_names_the_cell_of_a_notebook_finding() -> None:
    # GitHub has no field for a cell: the line stays the cell's own (as in `text` and `json`)
    # and the message says which cell.
    [line] = github.render(make_report(("nb.ipynb", [IN_CELL]))).splitlines()
    assert line == (
        "::error file=nb.ipynb,line=5,col=15,endLine=5,endColumn=21,title=SPG401::"
        "cell 2: square is defined in this notebook"
    )


# --- sarif -------------------------------------------------------------------------------------


def test_sarif_structure() -> None:
    report = make_report(("pkg/my job.py", [START, LAMBDA]))
    log = json.loads(FORMATS["sarif"](report))
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO_ROOT.as_uri() + "/"
    driver = run["tool"]["driver"]
    assert driver["name"] == "spawnguard"
    assert driver["version"] == spawnguard.__version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == sorted(RULES_BY_CODE)
    for descriptor in driver["rules"]:
        rule = RULES_BY_CODE[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["defaultConfiguration"]["level"] == sarif.LEVELS[rule.default_severity]
        assert rule.explanation.strip() in descriptor["help"]["markdown"]
        assert descriptor["help"]["text"] == rule.explanation.strip()
        assert descriptor["shortDescription"]["text"]
        assert descriptor["fullDescription"]["text"]

    lambda_result, start_result = run["results"]
    assert driver["rules"][start_result["ruleIndex"]]["id"] == "SPG101"
    assert start_result["level"] == "error"
    assert lambda_result["level"] == "warning"
    assert start_result["message"]["text"] == START.message
    location = start_result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/my%20job.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 10}
    [related] = start_result["relatedLocations"]
    assert related["message"]["text"] == "process created here"
    assert related["physicalLocation"]["region"]["startColumn"] == 5
    wrap, ignore = start_result["fixes"]
    assert wrap["description"]["text"] == WRAP_FIX.title
    [change] = wrap["artifactChanges"]
    assert [r["insertedContent"]["text"] for r in change["replacements"]] == [
        e.new_text for e in WRAP_FIX.edits
    ]
    assert ignore["artifactChanges"][0]["replacements"][0]["deletedRegion"]["startColumn"] == 10
    other = lambda_result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
    assert other == {"uri": "other.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_levels_for_information_and_hint_and_absolute_paths(tmp_path: Path) -> None:
    absolute = str(tmp_path / "a.py")
    log = json.loads(FORMATS["sarif"](make_report((absolute, [HINT, NOTE]))))
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["note", "note"]
    assert [r["properties"]["severity"] for r in results] == ["hint", "information"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (tmp_path / "a.py").as_uri()}


def test_sarif_names_the_cell_of_a_notebook_finding_and_its_related_location() -> None:
    log = json.loads(FORMATS["sarif"](make_report(("nb.ipynb", [IN_CELL]))))
    [result] = log["runs"][0]["results"]
    assert result["message"]["text"] == "cell 2: square is defined in this notebook"
    assert result["properties"] == {"severity": "error", "cell": 2}
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 15, "endLine": 5, "endColumn": 21}
    [related] = result["relatedLocations"]
    assert related["message"]["text"] == "cell 1: square is defined here"
    assert related["properties"] == {"cell": 1}
    # Its fixes edit cells: applied to the .ipynb file by a SARIF tool they would garble it.
    assert IN_CELL.fixes and "fixes" not in result


def test_sarif_outside_notebooks_has_no_cell() -> None:
    log = json.loads(FORMATS["sarif"](make_report(("job.py", [START]))))
    [result] = log["runs"][0]["results"]
    assert result["properties"] == {"severity": "error"}
    assert "properties" not in result["relatedLocations"][0]
    replacements = [r for fix in result["fixes"] for r in fix["artifactChanges"][0]["replacements"]]
    assert all("properties" not in r for r in replacements)


def find_sarif_multitool() -> str | None:
    """The validator from `npm install --prefix <dir> @microsoft/sarif-multitool`.

    Looked for in $SARIF_MULTITOOL, the tools cache ($SPAWNGUARD_TOOLS_DIR, default
    ~/.cache/spawnguard/tools), <repo>/node_modules, then on PATH.
    """
    tools = os.environ.get("SPAWNGUARD_TOOLS_DIR") or str(
        Path.home() / ".cache" / "spawnguard" / "tools"
    )
    candidates = [
        os.environ.get("SARIF_MULTITOOL"),
        os.path.join(tools, "node_modules", ".bin", "sarif-multitool"),
        str(REPO_ROOT / "node_modules" / ".bin" / "sarif-multitool"),
        shutil.which("sarif-multitool"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def validate_sarif(tmp_path: Path, document: str) -> list[dict]:
    tool = find_sarif_multitool()
    if tool is None or shutil.which("node") is None:
        pytest.skip(
            "SARIF validator not installed: run `bash scripts/test.sh` "
            "(it installs @microsoft/sarif-multitool into the tools cache) or set SARIF_MULTITOOL"
        )
    log_file = tmp_path / "input.sarif"
    log_file.write_text(document, encoding="utf-8")
    verdict = tmp_path / "verdict.sarif"
    completed = subprocess.run(
        [tool, "validate", str(log_file), "--output", str(verdict), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    results = json.loads(verdict.read_text(encoding="utf-8"))["runs"][0]["results"]
    return [r for r in results if r.get("level", "warning") in ("error", "warning")]


def test_sarif_of_hand_made_findings_validates(tmp_path: Path) -> None:
    report = make_report(("pkg/my job.py", [START, LAMBDA, HINT, NOTE]))
    assert validate_sarif(tmp_path, FORMATS["sarif"](report)) == []


def test_sarif_of_a_notebook_finding_validates(tmp_path: Path) -> None:
    report = make_report(("nb.ipynb", [IN_CELL]), ("job.py", [START]))
    assert validate_sarif(tmp_path, FORMATS["sarif"](report)) == []


def test_notebook_findings_name_their_cell_from_the_cli(tmp_path: Path) -> None:
    """SPG401 on line 2 of code cell 3, its definition in code cell 2: github and SARIF."""
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "notebooks" / "executor.ipynb", tmp_path)

    def check(output_format: str) -> str:
        completed = subprocess.run(
            [sys.executable, "-m", "spawnguard", "check", "--format", output_format,
             "executor.ipynb"],
            cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=120,
        )
        assert completed.returncode == 1, completed.stderr
        return completed.stdout

    column = "    print(sum(pool.map(shifted_square, range(5))))".index("shifted_square") + 1
    [annotation] = check("github").splitlines()
    assert annotation.startswith(
        f"::error file=executor.ipynb,line=2,col={column},endLine=2,"
        f"endColumn={column + len('shifted_square')},title=SPG401::cell 3: The function "
    )
    document = check("sarif")
    [result] = json.loads(document)["runs"][0]["results"]
    assert result["message"]["text"].startswith("cell 3: The function shifted_square")
    assert result["properties"]["cell"] == 3
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    [related] = result["relatedLocations"]
    assert (related["properties"], related["message"]["text"][:8]) == ({"cell": 2}, "cell 2: ")
    assert validate_sarif(tmp_path, document) == []


def test_sarif_from_the_cli_validates(tmp_path: Path) -> None:
    """A real run: syntax errors, an unreadable file, and the worker script the rules flag."""
    (tmp_path / "bad.py").write_text('x = "é😀"; y = )  # Pool()\n', encoding="utf-8")
    (tmp_path / "latin1.py").write_bytes('s = "café"\n'.encode("latin-1"))
    (tmp_path / "job.py").write_text(
        "import multiprocessing as mp\n\n"
        'p = mp.Process(target=lambda: print("hi"))\n'
        "p.start()\n"
        "p.join()\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "spawnguard", "check", "--format", "sarif", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    document = completed.stdout
    results = json.loads(document)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} >= {
        "bad.py",
        "latin1.py",
    }
    assert validate_sarif(tmp_path, document) == []
