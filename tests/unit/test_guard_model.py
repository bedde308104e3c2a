"""The guard model beyond module-level `if`: guards inside functions (and every call path
through them), guards written as expressions (`x if guard else y`, `guard and x`,
`inverse or x`), and `match __name__:` cases."""

from __future__ import annotations

import ast

import pytest

from spawnguard.analysis.findings import Position
from spawnguard.analysis.guard import guarded_cases, guarded_parts
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.toplevel import statements_to_guard, work_statements

from .helpers import codes, dedent, found, run, span, span_in

HEAD = dedent("""
    import multiprocessing as mp


    def square(x):
        return x * x


    """)
POOL = "with mp.Pool(2) as pool:"


def pool_lines(indent: str) -> str:
    return f"{indent}{POOL}\n{indent}    print(pool.map(square, range(3)))\n"


def model_of(source: str) -> ModuleModel:
    return ModuleModel.build(SourceText(source), ast.parse(source),
                             settings=AnalysisSettings(), path=None)


# --- guards inside functions -------------------------------------------------------------------


def test_guard_inside_function_called_at_module_level() -> None:
    source = HEAD + "def run():\n    if __name__ == \"__main__\":\n" + pool_lines(" " * 8) \
        + "\n\nrun()\n"
    assert codes(source, select=("SPG",)) == []


@pytest.mark.parametrize("test", ['"__main__" == __name__', '__name__ == "__main__" and FLAG'])
def test_other_correct_guards_inside_function(test: str) -> None:
    source = HEAD + f"FLAG = 1\n\n\ndef run():\n    if {test}:\n" + pool_lines(" " * 8) \
        + "\n\nrun()\n"
    assert codes(source) == []


def test_else_of_negated_guard_inside_function() -> None:
    source = HEAD + "def run():\n    if __name__ != \"__main__\":\n        return\n    else:\n" \
        + pool_lines(" " * 8) + "\n\nrun()\n"
    assert codes(source) == []


def test_else_of_correct_guard_inside_function_is_import_time() -> None:
    source = HEAD + "def run():\n    if __name__ == \"__main__\":\n        pass\n    else:\n" \
        + pool_lines(" " * 8) + "\n\nrun()\n"
    # Reached through `run()`: reported on that module-level call, the Pool as related.
    [finding] = run(source)
    assert found(source) == [("SPG101", span(source, "run()", 2))]
    assert [r.range.start.line for r in finding.related] == [
        span_in(source, POOL, "mp.Pool(2)")[0]]


def test_guard_nested_in_other_blocks_of_a_function() -> None:
    source = HEAD + "def run(flag):\n    for _ in range(1):\n        if flag:\n" \
        "            if __name__ == \"__main__\":\n" + pool_lines(" " * 16) + "\n\nrun(1)\n"
    assert codes(source) == []


def test_code_of_the_function_outside_its_guard_stays_import_time() -> None:
    source = HEAD + "def run():\n    if __name__ == \"__main__\":\n        pass\n" \
        + pool_lines("    ") + "\n\nrun()\n"
    [finding] = run(source)
    assert finding.code == "SPG101"
    assert "run() → mp.Pool(2)" in finding.message


def test_function_called_only_under_guards_is_not_import_time() -> None:
    source = HEAD + "def work():\n" + pool_lines("    ") + dedent("""


        def run():
            if __name__ == "__main__":
                work()
            print("imported")


        run()
        """)
    assert codes(source) == []


def test_one_unguarded_call_path_is_enough() -> None:
    source = HEAD + "def work():\n" + pool_lines("    ") + dedent("""


        def guarded():
            if __name__ == "__main__":
                work()


        def helper():
            work()


        def run():
            guarded()
            helper()


        run()
        """)
    [finding] = run(source)
    assert finding.code == "SPG101"
    assert "run() → helper() → work() → mp.Pool(2)" in finding.message


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        # Also true in the child: SPG301 on the condition, and the start runs in every child.
        ('__name__ in ("__main__", "__mp_main__")', ["SPG301", "SPG101"]),
        ('__name__.endswith("main__")', ["SPG301", "SPG101"]),
        # Never true: its body never runs, which SPG301 says; nothing starts at import.
        ('__name__ == "main"', ["SPG301"]),
        # Not a guard at all.
        ('__name__ == "__mp_main__"', ["SPG101"]),
        ("DEBUG", ["SPG101"]),
    ],
)
def test_guard_inside_function_that_is_not_correct(test: str, expected: list[str]) -> None:
    source = HEAD + f"DEBUG = 1\n\n\ndef run():\n    if {test}:\n" + pool_lines(" " * 8) \
        + "\n\nrun()\n"
    assert codes(source) == expected


def test_broken_guard_inside_function_is_reported_on_its_condition() -> None:
    test = '__name__ in ("__main__", "__mp_main__")'
    source = HEAD + f"def run():\n    if {test}:\n" + pool_lines(" " * 8) + "\n\nrun()\n"
    [broken] = [f for f in run(source) if f.code == "SPG301"]
    start = broken.range.start
    assert (start.line, start.character) == span(source, test)[:2]
    assert "also true in spawned children" in broken.message
    assert "It is in a function: it is evaluated wherever the function is called" \
        in broken.message
    at_module_level = HEAD + f"if {test}:\n" + pool_lines("    ")
    [broken] = [f for f in run(at_module_level) if f.code == "SPG301"]
    assert "It is in a function" not in broken.message


def test_guard_in_class_body() -> None:
    source = HEAD + "class Job:\n    if __name__ == \"__main__\":\n" + pool_lines(" " * 8)
    assert codes(source) == []
    broken = source.replace('__name__ == "__main__"', '__name__.endswith("main__")')
    assert codes(broken) == ["SPG301", "SPG101"]


def test_set_start_method_under_guard_inside_function() -> None:
    source = dedent("""
        import multiprocessing as mp


        def configure():
            if __name__ == "__main__":
                mp.set_start_method("spawn")


        configure()
        """)
    assert codes(source) == []
    unguarded = source.replace('    if __name__ == "__main__":\n    ', "")
    assert codes(unguarded) == ["SPG102"]


# --- guards written as expressions -------------------------------------------------------------

MAIN_DEF = "def main():\n" + pool_lines("    ") + "\n\n"


@pytest.mark.parametrize(
    "statement",
    [
        'main() if __name__ == "__main__" else None',
        'main() if "__main__" == __name__ else None',
        'None if __name__ != "__main__" else main()',
        '__name__ == "__main__" and main()',
        '__name__ == "__main__" and FLAG and main()',
        'FLAG and __name__ == "__main__" and main()',
        '__name__ != "__main__" or main()',
        'print("x") if __name__ == "__main__" and main() else None',
    ],
)
def test_call_guarded_by_an_expression(statement: str) -> None:
    source = HEAD + "FLAG = 1\n\n\n" + MAIN_DEF + statement + "\n"
    assert codes(source) == []


@pytest.mark.parametrize(
    "statement",
    [
        # The opposite of a guard: `or` calls main() exactly when the name is not "__main__".
        '__name__ == "__main__" or main()',
        'None if __name__ == "__main__" else main()',
        'main() if __name__ != "__main__" else None',
        'main() and __name__ == "__main__"',  # main() runs first
        '__name__ == "__mp_main__" and main()',
        '(FLAG or __name__ == "__main__") and main()',  # `or` of an unknown flag
        # Broken guards in an expression (SPG301 looks at `if` statements only): what they
        # hold stays import-time code.
        '__name__ in ("__main__", "__mp_main__") and main()',
        'main() if __name__ == "main" else None',
    ],
)
def test_call_not_guarded_by_an_expression(statement: str) -> None:
    source = HEAD + "FLAG = 1\n\n\n" + MAIN_DEF + statement + "\n"
    [finding] = run(source)
    assert finding.code == "SPG101"
    assert "main() → mp.Pool(2)" in finding.message


def test_pool_created_directly_in_guarded_expression() -> None:
    source = HEAD + '__name__ == "__main__" and print(mp.Pool(2).map(square, range(3)))\n'
    assert codes(source) == []
    opposite = source.replace("and", "or")
    assert found(opposite) == [("SPG101", span(opposite, "mp.Pool(2)"))]


def test_expression_guard_inside_function() -> None:
    source = HEAD + MAIN_DEF + 'def run():\n    return main() if __name__ == "__main__" else 0' \
        "\n\n\nrun()\n"
    assert codes(source) == []


def test_guarded_parts() -> None:
    def parts(text: str) -> list[tuple[str, bool]] | None:
        found_parts = guarded_parts(ast.parse(text, mode="eval").body)
        return None if found_parts is None else [(ast.unparse(p), g) for p, g in found_parts]

    assert parts('a() if __name__ == "__main__" else b()') == [
        ("__name__ == '__main__'", False), ("a()", True), ("b()", False)]
    assert parts('a() if __name__ != "__main__" else b()') == [
        ("__name__ != '__main__'", False), ("a()", False), ("b()", True)]
    assert parts('x and __name__ == "__main__" and a() and b()') == [
        ("x", False), ("__name__ == '__main__'", False), ("a()", True), ("b()", True)]
    assert parts('__name__ == "__main__" or a()') == [
        ("__name__ == '__main__'", False), ("a()", False)]
    assert parts("a() and b()") is None
    assert parts('a() and __name__ == "__main__"') is None  # nothing after the test
    assert parts("f()") is None


# --- match __name__ ----------------------------------------------------------------------------


def match_source(*cases: tuple[str, bool]) -> str:
    """A `match __name__:` whose cases are (pattern, holds the pool)."""
    text = HEAD + "DEBUG = 1\n\nmatch __name__:\n"
    for pattern, has_pool in cases:
        text += f"    case {pattern}:\n" + (pool_lines(" " * 8) if has_pool else "        pass\n")
    return text


@pytest.mark.parametrize(
    "cases",
    [
        [('"__main__"', True)],
        [("'__main__'", True), ("_", False)],
        [('"__main__" if DEBUG', True)],
        [('"__mp_main__"', False), ("_", True)],
        [('"__mp_main__"', False), ("other", True)],  # a capture pattern matches anything
        [('"__main__" | "main"', True)],
        [('"__main__" as name', True)],
        # Whether `str()` matches is not known, but the child matches no later case either.
        [("str()", False), ('"__main__"', True)],
    ],
)
def test_match_case_that_is_a_guard(cases: list[tuple[str, bool]]) -> None:
    assert codes(match_source(*cases)) == []


@pytest.mark.parametrize(
    "cases",
    [
        [('"__mp_main__"', True)],
        [('"__main__"', False), ("_", True)],
        [('"__main__" if DEBUG', False), ("_", True)],  # the child never matches the first
        [('"__main__" | "__mp_main__"', True)],
        [("str()", False), ("_", True)],  # an unknown earlier pattern may not match
        [('"main"', True)],  # never matches the script's name: not a guard (no SPG301 here)
        [("_", True)],
    ],
)
def test_match_case_that_is_not_a_guard(cases: list[tuple[str, bool]]) -> None:
    source = match_source(*cases)
    assert found(source) == [("SPG101", span_in(source, POOL, "mp.Pool(2)"))]


def test_match_on_something_else_is_not_a_guard() -> None:
    source = HEAD + "MODE = '__main__'\n\nmatch MODE:\n    case '__main__':\n" \
        + pool_lines(" " * 8)
    assert codes(source) == ["SPG101"]


def test_match_guard_inside_function() -> None:
    source = HEAD + "def run():\n    match __name__:\n        case '__main__':\n" \
        + pool_lines(" " * 12) + "\n\nrun()\n"
    assert codes(source) == []


def test_guarded_cases() -> None:
    match = ast.parse(dedent("""
        match __name__:
            case "__mp_main__":
                pass
            case "__main__" if x:
                pass
            case _:
                pass
        """)).body[0]
    assert isinstance(match, ast.Match)
    assert guarded_cases(match) == [False, True, True]


# --- the module-level `else` of an inverse test ------------------------------------------------


def test_else_of_inverse_test_that_may_be_false_in_the_child() -> None:
    source = HEAD + "import os\n\nif __name__ != \"__main__\" and os.environ.get('SKIP'):\n" \
        "    pass\nelse:\n" + pool_lines("    ")
    assert found(source) == [("SPG101", span_in(source, POOL, "mp.Pool(2)"))]
    plain = source.replace(" and os.environ.get('SKIP')", "")
    assert codes(plain) == []


# --- SPG501, the guard fix and hover follow the same model -------------------------------------

WORK = "data = list(map(square, range(3)))\n"


@pytest.mark.parametrize(
    "entry",
    [
        'main() if __name__ == "__main__" else None\n',
        '__name__ == "__main__" and main()\n',
        'match __name__:\n    case "__main__":\n        main()\n',
        'def run():\n    """Runs."""\n    if __name__ == "__main__":\n        main()\n\n\nrun()\n',
    ],
)
def test_import_time_work_leaves_guarded_entry_points_out(entry: str) -> None:
    source = HEAD + MAIN_DEF + WORK + "\n" + entry
    [hint] = run(source, select=("SPG501",))
    assert [r.range.start.line for r in hint.related] == [span(source, WORK.strip())[0]]
    model = model_of(source)
    assert [ast.unparse(s) for s in work_statements(model)] == [WORK.strip()]
    assert [ast.unparse(s) for s in statements_to_guard(model)] == [WORK.strip()]


def test_call_of_function_doing_work_outside_its_guard_is_import_time_work() -> None:
    source = HEAD + MAIN_DEF + 'def run():\n    print("starting")\n' \
        '    if __name__ == "__main__":\n        main()\n\n\nrun()\n'
    [hint] = run(source, select=("SPG501",))
    assert [r.range.start.line for r in hint.related] == [span(source, "run()\n")[0]]


def test_match_statement_with_work_in_an_unguarded_case_is_work() -> None:
    source = HEAD + MAIN_DEF + 'match __name__:\n    case "__main__":\n        main()\n' \
        '    case _:\n        print("imported")\n'
    [hint] = run(source, select=("SPG501",))
    assert [r.range.start.line for r in hint.related] == [span(source, "match")[0]]


def test_hover_on_guard_inside_function_lists_its_starts() -> None:
    source = HEAD + "def run():\n    if __name__ == \"__main__\":\n" + pool_lines(" " * 8) \
        + "\n\nrun()\n"
    line = span(source, "if __name__")[0]
    text = model_of(source).hover_facts(Position(line, 6))
    assert text is not None and text.startswith("**Main guard**")
    assert f"line {line + 1}: `" in text


def test_class_call_is_still_import_time_work() -> None:
    source = HEAD + MAIN_DEF + "class Config:\n    def __init__(self):\n        self.x = 1\n\n\n" \
        'Config()\n__name__ == "__main__" and main()\n'
    [hint] = run(source, select=("SPG501",))
    assert [r.range.start.line for r in hint.related] == [span(source, "Config()")[0]]
