"""SPG102, SPG301, SPG501, SPG601, SPG000, suppressions and settings."""

from __future__ import annotations

import pytest

from spawnguard.analysis.findings import Severity
from spawnguard.analysis.settings import AnalysisSettings

from .helpers import codes, dedent, found, run, span

WORK = "import multiprocessing as mp\n\ndef work():\n    print('w')\n\n"
GUARDED_START = 'if __name__ == "__main__":\n    mp.Process(target=work).start()\n'


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('mp.set_start_method("spawn")', ["SPG102"]),
        ('mp.set_start_method("forkserver")', ["SPG102"]),
        ('mp.set_start_method("spawn", force=True)', []),
        ('mp.set_start_method("fork")', ["SPG601"]),
        ("mp.set_start_method(method)", ["SPG102"]),
    ],
)
def test_set_start_method_at_import(call: str, expected: list[str]) -> None:
    source = WORK + "method = 'spawn'\n" + call + "\n" + GUARDED_START
    assert codes(source) == expected
    if expected == ["SPG102"]:
        assert found(source)[0] == ("SPG102", span(source, call))


def test_set_start_method_in_guard_or_torch_alias() -> None:
    guarded = WORK + 'if __name__ == "__main__":\n    mp.set_start_method("spawn")\n'
    assert codes(guarded) == []
    torch_alias = "import torch.multiprocessing as tmp\ntmp.set_start_method('spawn')\n"
    assert codes(torch_alias) == ["SPG102"]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('mp.set_start_method("spawn", True)', []),
        ('mp.set_start_method("spawn", False)', ["SPG102"]),
        ('mp.set_start_method("spawn", flag)', ["SPG102"]),
        ('mp.set_start_method("spawn", force=flag)', ["SPG102"]),
    ],
)
def test_set_start_method_positional_force(call: str, expected: list[str]) -> None:
    """force is the second parameter: a literal True there counts like force=True; anything
    else (False, a variable) like an unknown force."""
    source = WORK + "flag = True\n" + call + "\n" + GUARDED_START
    assert codes(source) == expected


SET_SPAWN = 'mp.set_start_method("spawn")'


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("try:\n    {call}\nexcept RuntimeError:\n    pass", []),
        ("try:\n    {call}\nexcept (ValueError, RuntimeError):\n    pass", []),
        ("try:\n    {call}\nexcept:\n    pass", []),
        ("try:\n    {call}\nexcept Exception as error:\n    print(error)", []),
        ("try:\n    {call}\nexcept BaseException:\n    pass", []),
        ("try:\n    {call}\nexcept ValueError:\n    pass", ["SPG102"]),
        ("try:\n    {call}\nexcept RuntimeError:\n    raise", ["SPG102"]),
        ("try:\n    {call}\nexcept RuntimeError as e:\n    raise SystemExit(e)", ["SPG102"]),
        ("try:\n    pass\nexcept RuntimeError:\n    pass\nelse:\n    {call}", ["SPG102"]),
        ("try:\n    pass\nfinally:\n    {call}", ["SPG102"]),
        ("RuntimeError = ValueError\ntry:\n    {call}\nexcept RuntimeError:\n    pass",
         ["SPG102"]),
        # The try must be around the call when it runs, not around a def.
        ("def setup():\n    try:\n        {call}\n    except RuntimeError:\n        pass\n"
         "setup()", []),
        ("def setup():\n    {call}\ntry:\n    setup()\nexcept RuntimeError:\n    pass", []),
        ("try:\n    def setup():\n        {call}\nexcept RuntimeError:\n    pass\nsetup()",
         ["SPG102"]),
    ],
)
def test_set_start_method_in_try_that_catches_the_error(block: str,
                                                        expected: list[str]) -> None:
    """The child re-runs the call, and a handler that catches the RuntimeError keeps it
    alive."""
    source = WORK + block.format(call=SET_SPAWN) + "\n" + GUARDED_START
    assert codes(source) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("if mp.get_start_method(allow_none=True) is None:\n    {call}", []),
        ("if None is mp.get_start_method(allow_none=True):\n    {call}", []),
        ("if mp.get_start_method(True) == None:\n    {call}", []),
        ("if not mp.get_start_method(allow_none=True):\n    {call}", []),
        ("if flag and mp.get_start_method(allow_none=True) is None:\n    {call}", []),
        ("if mp.get_start_method(allow_none=True) is not None:\n    pass\nelse:\n    {call}",
         []),
        ("if mp.get_start_method(allow_none=True):\n    pass\nelse:\n    {call}", []),
        ("if flag:\n    pass\nelif mp.get_start_method(allow_none=True) is None:\n    {call}",
         []),
        ("from multiprocessing import get_start_method\n"
         "if get_start_method(allow_none=True) is None:\n    {call}", []),
        # Not recognised: true in the child too, or not a test of "no method set yet".
        ("if flag or mp.get_start_method(allow_none=True) is None:\n    {call}", ["SPG102"]),
        ("if mp.get_start_method(allow_none=True) is not None:\n    {call}", ["SPG102"]),
        ("if mp.get_start_method(allow_none=True) is None:\n    pass\nelse:\n    {call}",
         ["SPG102"]),
        ("if mp.get_start_method(allow_none=flag) is None:\n    {call}", ["SPG102"]),
        ("if mp.get_start_method(allow_none=True) != 'fork':\n    {call}", ["SPG102"]),
        ("if flag is None:\n    {call}", ["SPG102"]),
    ],
)
def test_set_start_method_only_while_no_method_is_set(block: str,
                                                      expected: list[str]) -> None:
    """A spawn child has its method set before it re-runs the script: the test is false."""
    source = WORK + "flag = True\n" + block.format(call=SET_SPAWN) + "\n" + GUARDED_START
    assert codes(source) == expected


def test_set_start_method_idioms_with_torch_alias() -> None:
    source = dedent("""
        import torch.multiprocessing as tmp

        if tmp.get_start_method(allow_none=True) is None:
            tmp.set_start_method("spawn")
        try:
            tmp.set_start_method("spawn")
        except RuntimeError:
            pass
        tmp.set_start_method("spawn", True)
    """)
    assert codes(source) == []


@pytest.mark.parametrize(
    ("condition", "broken"),
    [
        ('__name__ == "__main__"', False),
        ('"__main__" == __name__', False),
        ('__name__ == "__main__" and DEBUG', False),
        ('__name__ == "main"', True),
        ('__name__ == "__main__ "', True),
        ('__name__ in ("__main__", "__mp_main__")', True),
        ('__name__.endswith("main__")', True),
        ('__name__ is "__main__"', True),
        ('__name__ == "__main__" or DEBUG', True),
        ('__name__ == "mypackage.module"', False),
    ],
)
def test_broken_main_guards(condition: str, broken: bool) -> None:
    source = f"DEBUG = False\nif {condition}:\n    print('run')\n"
    if broken:
        assert found(source) == [("SPG301", span(source, condition))]
    else:
        assert codes(source) == []


def test_code_under_a_broken_guard_still_counts_as_import_time() -> None:
    source = WORK + "if __name__ in ('__main__', '__mp_main__'):\n" \
        "    mp.Process(target=work).start()\n"
    assert codes(source) == ["SPG301", "SPG101"]


def test_import_time_work_is_one_hint_with_related_statements() -> None:
    source = dedent("""
        import multiprocessing as mp
        import torch

        SIZE = 4
        model = torch.nn.Linear(SIZE, SIZE)
        print("loading")
        data = [i for i in range(SIZE)]

        def work(x):
            return x

        if __name__ == "__main__":
            with mp.Pool(2) as pool:
                pool.map(work, data)
        """)
    [finding] = [f for f in run(source, select=("SPG",)) if f.code == "SPG501"]
    assert finding.severity is Severity.HINT
    assert (finding.range.start.line, finding.range.start.character) == span(source, "model")[:2]
    assert [r.range.start.line for r in finding.related] == [
        span(source, "model =")[0], span(source, 'print("loading")')[0],
        span(source, "data =")[0]]
    no_workers = source.replace("mp.Pool(2)", "open('x')").replace("pool.map(work, data)", "")
    assert "SPG501" not in codes(no_workers.replace("as pool:", "as f:\n        pass"),
                                 select=("SPG",))


def test_fork_requests_are_information() -> None:
    source = dedent("""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if __name__ == "__main__":
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(2, mp_context=ctx) as ex:
                ex.submit(print, 1)
        """)
    findings = run(source)
    assert [(f.code, f.severity) for f in findings] == [("SPG601", Severity.INFORMATION)]
    assert "Windows" in findings[0].message


def test_syntax_error_is_spg000_with_position() -> None:
    source = "from multiprocessing import Pool\nx = (1,\ny = Pool(2)\n"
    # The unclosed bracket breaks line 2 only: line 3 starts a statement and is analysed.
    syntax_error, start = run(source)
    assert (syntax_error.code, syntax_error.range.start.line) == ("SPG000", 2)
    assert (start.code, start.range.start.line) == ("SPG101", 3)
    assert codes("Pool(2)\x00") == ["SPG000"]


def test_files_that_cannot_hold_a_spawn_problem_are_not_parsed() -> None:
    # Nothing here spells a worker API or tests __name__: no rule can fire, so the file is
    # not parsed and its syntax error is not spawnguard's to report.
    assert codes("import os\nx = (1,\n") == []
    assert codes("\x00") == []


def test_suppression_comments() -> None:
    line = "mp.Process(target=work).start()"
    assert codes(WORK + line + "  # spawnguard: ignore[SPG101]\n") == []
    assert codes(WORK + line + "  # spawnguard: ignore\n") == []
    assert codes(WORK + line + "  # spawnguard: ignore[SPG201]\n") == ["SPG101"]
    assert codes("# spawnguard: ignore-file\n" + WORK + line + "\n") == []
    # Only comments suppress: the same text inside a string on that line does not.
    in_a_string = WORK + line + '; note = "# spawnguard: ignore[SPG101]"\n'
    assert codes(in_a_string) == ["SPG101"]


def test_select_ignore_and_severity_overrides() -> None:
    source = WORK + "mp.Process(target=lambda: None).start()\n"
    assert codes(source) == ["SPG101", "SPG201"]
    assert codes(source, select=("SPG2",)) == ["SPG201"]
    assert codes(source, ignore=("SPG1",)) == ["SPG201"]
    assert codes(source, select=("SPG",), ignore=("SPG2", "SPG5")) == ["SPG101"]
    assert codes(source, select=("SPG201",), ignore=("SPG2",)) == ["SPG201"]
    severities = {f.code: f.severity for f in run(
        source, severity={"SPG201": Severity.WARNING}, ignore=("SPG501",))}
    assert severities == {"SPG101": Severity.ERROR, "SPG201": Severity.WARNING}


def test_settings_reject_unknown_start_method() -> None:
    with pytest.raises(ValueError, match="assume-start-method"):
        AnalysisSettings(assume_start_method="thread")


@pytest.mark.parametrize("condition", ['__name__ == "main"', '__name__ is "__main__"'])
def test_code_under_a_guard_that_never_runs_in_children_is_not_import_time(
        condition: str) -> None:
    source = WORK + f"if {condition}:\n    mp.Process(target=work).start()\n"
    assert codes(source) == ["SPG301"]


def test_a_byte_order_mark_in_the_text_shifts_line_one_only() -> None:
    source = "import multiprocessing as mp\nmp.Process(target=print).start()\n"
    plain = run(source)
    with_bom = run("\ufeff" + source)
    assert [(f.code, f.range) for f in with_bom] == [(f.code, f.range) for f in plain]
    first_line = "import multiprocessing as mp; mp.Process(target=print).start()\n"
    [finding] = run("\ufeff" + first_line)
    assert finding.range.start.character == span(first_line, "mp.Process")[1] + 1
