"""Code nested hundreds or thousands of levels deep is analysed, with the same exact findings
as shallow code, and fixed; none of the walks recurses along the input.

The analysis and the fixes run under a recursion limit of 200 frames above the caller's depth
(`shallow_stack`): a walk that recursed once per level of the tree would fail there. Only
CPython's parser is given the normal limit back (`parser_at_normal_limit`): it builds the tree
in C, but from Python 3.11 on it stops at a depth derived from the recursion limit. What the
parser itself refuses (more than 100 levels of indentation, 200 of brackets, a tree too deep for
its stack) stays SPG000.
"""

from __future__ import annotations

import ast
import contextlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from runtime.harness import Outcome, run_script

from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.findings import Finding
from spawnguard.engine import analyze, fix_text
from unit.helpers import span

SERVER = Path(__file__).resolve().parents[2] / "server"
HEADER = "import multiprocessing as mp\n\n\ndef work():\n    print('w')\n\n\n"
START = "mp.Process(target=work).start()"
LOADER = "DataLoader(ds, num_workers=2)"
LOADER_HEADER = "from torch.utils.data import DataLoader\n\nds = list(range(8))\n"


def indented(lines: list[tuple[int, str]]) -> str:
    """Lines, each at its indentation level (4 spaces a level)."""
    return "".join("    " * level + text + "\n" for level, text in lines)


def loader_in_90_ifs() -> str:
    """A DataLoader loop inside 90 nested `if`s (Python allows 100 levels of indentation)."""
    return LOADER_HEADER + indented([(level, "if ds:") for level in range(90)] + [
        (90, f"for batch in {LOADER}:"), (91, "print(batch)")])


def start_in_199_lists() -> str:
    """A start inside 199 nested list displays (Python allows 200 levels of brackets)."""
    return HEADER + "x = " + "[" * 199 + START + "]" * 199 + "\n"


def start_under_2500_additions() -> str:
    """`x = start() + 1 + 1 ...`: a left-deep tree, the start 2,500 levels down."""
    return HEADER + "x = " + START + " + 1" * 2500 + "\n"


def start_in_198_calls() -> str:
    """`print(print(...(start())...))` up to the bracket limit."""
    return HEADER + "print(" * 198 + START + ")" * 198 + "\n"


def lambda_of_1500_lambdas() -> str:
    """A lambda 1,500 lambdas deep sent to a worker (under a main guard)."""
    return (HEADER + "if __name__ == '__main__':\n    mp.Process(target="
            + "lambda: " * 1500 + "work()).start()\n")


def loader_in_150_comprehensions() -> str:
    """A DataLoader iterated by the innermost of 150 nested list comprehensions."""
    return (LOADER_HEADER + "x = " + "[" * 150 + f"batch for batch in {LOADER}]"
            + " for _ in ds]" * 149 + "\n")


def guard_after_2500_elifs() -> str:
    """A main guard as the last of 2,500 `elif`s (each one level deeper in the tree), and an
    `else` that also starts a worker: only the `else` runs in a spawned child."""
    return (HEADER + "if work is None:\n    pass\n" + "elif work is None:\n    pass\n" * 2500
            + f"elif __name__ == '__main__':\n    {START}\nelse:\n    {START}\n")


def start_in_95_nested_functions() -> str:
    """Each of 95 nested functions defines the next and calls it; the innermost starts a
    worker; the outermost is called at import."""
    lines = [(level, f"def f{level}():") for level in range(95)] + [(95, START)]
    lines += [(level, f"f{level}()") for level in range(94, -1, -1)]
    return HEADER + indented(lines)


def guarded_by_a_deep_condition() -> str:
    """A guard whose condition is 190 `not`s deep, and a start inside 45 nested `match`es: the
    start under the guard is not at import, the one in the matches is."""
    matches = indented([(level, "match work:" if level % 2 == 0 else "case _:")
                        for level in range(90)] + [(90, START)])
    return HEADER + "if " + "not " * 190 + f"__name__ == '__main__':\n    {START}\n" + matches


# (shape, the text whose spans the findings cover: code and occurrence)
SHAPES: dict[str, tuple[Callable[[], str], list[tuple[str, str, int]]]] = {
    "loader_in_90_ifs": (loader_in_90_ifs, [("SPG101", LOADER, 1)]),
    "start_in_199_lists": (start_in_199_lists, [("SPG101", START, 1)]),
    "start_under_2500_additions": (start_under_2500_additions, [("SPG101", START, 1)]),
    "start_in_198_calls": (start_in_198_calls, [("SPG101", START, 1)]),
    "lambda_of_1500_lambdas": (lambda_of_1500_lambdas,
                               [("SPG201", "lambda: " * 1500 + "work()", 1)]),
    "loader_in_150_comprehensions": (loader_in_150_comprehensions, [("SPG101", LOADER, 1)]),
    "guard_after_2500_elifs": (guard_after_2500_elifs, [("SPG101", START, 2)]),
    "start_in_95_nested_functions": (start_in_95_nested_functions, [("SPG101", START, 1)]),
    "guarded_by_a_deep_condition": (guarded_by_a_deep_condition, [("SPG101", START, 2)]),
}


def _frames_in_use() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        count, frame = count + 1, frame.f_back
    return count


@contextlib.contextmanager
def shallow_stack(headroom: int = 200) -> Iterator[None]:
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames_in_use() + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)


@pytest.fixture
def parser_at_normal_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ast.parse` runs with the recursion limit the test started with."""
    normal_limit = sys.getrecursionlimit()
    real_parse = ast.parse

    def parse(*args: object, **kwargs: object) -> ast.Module:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, normal_limit))
        try:
            return real_parse(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            sys.setrecursionlimit(limit)

    monkeypatch.setattr(ast, "parse", parse)


def expected_findings(text: str, covered: list[tuple[str, str, int]]) -> list[tuple[str, object]]:
    return [(code, span(text, part, occurrence)) for code, part, occurrence in covered]


def spans(findings: list[Finding]) -> list[tuple[str, object]]:
    return [(f.code, (f.range.start.line, f.range.start.character, f.range.end.line,
                      f.range.end.character)) for f in findings if f.code != "SPG501"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.usefixtures("parser_at_normal_limit")
def test_deep_code_is_analysed_exactly_and_fixed_without_recursion(shape: str) -> None:
    make, covered = SHAPES[shape]
    text = make()
    with shallow_stack():
        findings = analyze(text)
        assert spans(findings) == expected_findings(text, covered)
        # The language server's path: parsed in chunks, the model rebuilt from them.
        cache = ChunkCache()
        assert analyze(text, parse_cache=cache) == findings
        cache.scopes.clear()
        assert analyze(text, parse_cache=cache) == findings
        # Each finding's preferred fix applies, and the fixed text has no finding left.
        assert all(f.preferred_fix is not None for f in findings)
        result = fix_text(text)
        assert result.applied >= 1
        assert spans(analyze(result.text)) == []
    ast.parse(result.text)


@pytest.mark.usefixtures("parser_at_normal_limit")
def test_a_function_calling_itself_at_import_is_analysed() -> None:
    """Whether a module-level call does work follows the functions it calls, once each."""
    text = HEADER + "def run():\n    if work:\n        run()\n\n\nrun()\n" + START + "\n"
    with shallow_stack():
        assert spans(analyze(text)) == [("SPG101", span(text, START))]


@pytest.mark.usefixtures("parser_at_normal_limit")
def test_a_chain_of_classes_based_on_the_previous_ones_member_is_analysed() -> None:
    """`class C1(C0.Inner)`, `class C2(C1.Inner)`, ... 400 times: looking up a member through
    the bases stays within the inference's depth instead of recursing once per class."""
    classes = "class C0:\n    class Inner:\n        def run(self):\n            pass\n"
    classes += "".join(f"class C{i}(C{i - 1}.Inner):\n    class Inner:\n        pass\n"
                       for i in range(1, 400))
    start = "mp.Process(target=C399.Inner().run).start()"
    text = HEADER + classes + start + "\n"
    with shallow_stack():
        assert spans(analyze(text)) == [("SPG101", span(text, start))]


@pytest.mark.parametrize(("text", "message"), [
    (HEADER + "x = " + " + ".join(["1"] * 50_000) + "\n" + START + "\n", "nested too deeply"),
    (HEADER + "x = " + "(" * 201 + "1" + ")" * 201 + "\n" + START + "\n",
     "too many nested parentheses"),
    (HEADER + indented([(level, "if work:") for level in range(101)] + [(101, "pass")])
     + START + "\n", "too many levels of indentation"),
], ids=["50000-additions", "201-parentheses", "101-indents"])
def test_what_the_parser_refuses_is_spg000_and_the_rest_analysed(text: str, message: str) -> None:
    findings = analyze(text)
    assert [f.code for f in findings] == ["SPG000", "SPG101"]
    assert message in findings[0].message
    assert spans(findings[1:]) == [("SPG101", span(text, START))]


def test_cli_analyses_deep_code_in_a_subprocess(tmp_path: Path) -> None:
    """`spawnguard check` at Python's default recursion limit, on a file holding the deep
    shapes together."""
    text = (HEADER + "x = " + START + " + 1" * 2000 + "\n"
            + "if work is None:\n    pass\n" + "elif work is None:\n    pass\n" * 2000
            + f"else:\n    {START}\n"
            + "".join("    " * level + "if work:\n" for level in range(90))
            + "    " * 90 + START + "\n")
    script = tmp_path / "deep.py"
    script.write_text(text)
    completed = subprocess.run(
        [sys.executable, "-m", "spawnguard", "check", "--format", "json", str(script)],
        capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(SERVER),
                                                           "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    reported = [(item["code"], item["line"]) for item in json.loads(completed.stdout)]
    start_lines = [line for line, content in enumerate(text.splitlines(), start=1)
                   if START in content]
    assert sorted(reported) == [("SPG101", line) for line in start_lines]


def test_fixed_deep_script_runs_under_spawn(tmp_path: Path) -> None:
    """The 2,500-elif script fails under spawn (its `else` starts a worker in the child too);
    fixed, it runs."""
    text = guard_after_2500_elifs()
    broken = tmp_path / "broken.py"
    broken.write_text(text)
    assert run_script(broken, "spawn").outcome is Outcome.BOOTSTRAP
    fixed = tmp_path / "fixed.py"
    fixed.write_text(fix_text(text).text)
    outcome = run_script(fixed, "spawn")
    assert outcome.outcome is Outcome.OK, outcome.describe()
