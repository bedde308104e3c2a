"""The text transformations behind the fixes, applied to real text.

Each test applies a transform with `apply_edits`, asserts the exact result, that it parses, and
that asking again on the result offers nothing (or changes nothing). The runtime tests at the
end run transformed scripts under spawn and compare with the original under fork.
"""

from __future__ import annotations

import ast
import contextlib
import io
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spawnguard.analysis.findings import Fix
from spawnguard.analysis.source import SourceText
from spawnguard.engine import analyze, fix_text
from spawnguard.fixes.apply import apply_edits
from spawnguard.fixes.guard import (
    extract_main,
    move_into_guard,
    rewrite_guard_condition,
    wrap_in_guard,
)
from spawnguard.fixes.lift import lift_lambda, lift_nested
from spawnguard.fixes.move_out_of_guard import move_out_of_guard
from spawnguard.fixes.statements import EditBuilder
from spawnguard.fixes.text import indent_unit, string_continuation_lines

# --- helpers ----------------------------------------------------------------------------------


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def applied(text: str, fix: Fix | None) -> str:
    """The text after the fix, which must exist, have non-overlapping edits and parse."""
    assert fix is not None, "expected a fix"
    result = apply_edits(text, fix.edits)
    ast.parse(result)
    return result


def is_guard(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and "__name__" in ast.unparse(statement.test)


def guard_of(tree: ast.Module) -> ast.If | None:
    return next((s for s in tree.body if is_guard(s)), None)  # type: ignore[return-value]


def jobs(tree: ast.Module) -> list[ast.stmt]:
    """What these tests move: module-level statements other than imports, definitions,
    a docstring and the guard."""
    kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [
        s
        for index, s in enumerate(tree.body)
        if not isinstance(s, kept)
        and not is_guard(s)
        and not (index == 0 and isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]


GuardTransform = Callable[
    [SourceText, ast.Module, Sequence[ast.stmt], "ast.If | None"], "Fix | None"
]
GUARD = 'if __name__ == "__main__":\n'


def guard_fix(transform: GuardTransform, text: str) -> Fix | None:
    tree = ast.parse(text)
    return transform(SourceText(text), tree, jobs(tree), guard_of(tree))


def wrap(text: str) -> str:
    result = applied(text, guard_fix(wrap_in_guard, text))
    assert guard_fix(wrap_in_guard, result) is None, "a second wrap should offer nothing"
    return result


def extract(text: str) -> str:
    result = applied(text, guard_fix(extract_main, text))
    assert guard_fix(extract_main, result) is None, "a second extract should offer nothing"
    return result


def find(tree: ast.Module, kind: type, name: str | None = None) -> ast.AST:
    return next(
        node
        for node in ast.walk(tree)
        if isinstance(node, kind) and (name is None or getattr(node, "name", None) == name)
    )


# --- text facts -------------------------------------------------------------------------------


def test_string_continuation_lines_from_the_tree_match_the_tokens() -> None:
    text = (
        "def f():\n"
        '    """Doc\n'
        'string."""\n'
        '    x = f"""a{1 +\n'
        '2}b"""\n'
        "    y = b'''\n"
        "bytes'''\n"
        '    return "one line"\n'
    )
    lines = string_continuation_lines(SourceText(text))
    assert lines == {3, 5, 7}
    # A text that does not parse is tokenized instead, with the same answer.
    broken = text + "def (:\n"
    assert string_continuation_lines(SourceText(broken)) == lines


def test_implicit_concatenation_lines_are_left_alone() -> None:
    text = 'x = ("a"\n     "b")\ny = 1\n'
    assert string_continuation_lines(SourceText(text)) == {2}


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("x = f(1,\n      2)\nif x:\n  y = 1\n", "  "),
        ('s = """\n        text"""\nfor i in s:\n\tprint(i)\n', "\t"),
        ("match x:\n   case 1:\n      pass\n", "   "),
        ("if x: y = 1\nwhile x:\n        x -= 1\n", "        "),
        ("x = 1\n", "    "),
        ("if x:\n\ty = 1\ndef (:\n", "\t"),  # does not parse: read from the tokens
    ],
)
def test_indent_unit(text: str, unit: str) -> None:
    assert indent_unit(SourceText(text)) == unit


def test_edit_builder_merges_touching_edits_and_refuses_overlaps() -> None:
    source = SourceText("a\nb\nc")
    builder = EditBuilder(source)
    builder.delete_lines(1, 1)
    builder.insert_lines(2, "x\n")
    builder.insert_lines(2, "y\n")
    builder.insert_lines(4, "end\n")  # past the last line, which has no line break
    edits = builder.edits()
    assert len(edits) == 2
    assert apply_edits(source.text, edits) == "x\ny\nb\nc\nend\n"
    assert builder.fix("t") is not None
    builder.replace_lines(1, 2, "z\n")
    assert builder.fix("t") is None


# --- wrap_in_guard ----------------------------------------------------------------------------


def test_wrap_turns_trailing_jobs_into_a_guard_in_place() -> None:
    text = code('''
        import multiprocessing as mp


        def work(x):
            print(x * 2)


        p = mp.Process(target=work, args=(21,))
        p.start()
        p.join()
    ''')
    assert wrap(text) == code('''
        import multiprocessing as mp


        def work(x):
            print(x * 2)


        if __name__ == "__main__":
            p = mp.Process(target=work, args=(21,))
            p.start()
            p.join()
    ''')


def test_wrap_gathers_scattered_jobs_after_the_last_statement() -> None:
    text = code('''
        import multiprocessing as mp

        pool = mp.Pool(2)  # start workers

        def square(x):
            return x * x


        print(pool.map(square, range(3)))


        class Unused:
            pass
    ''')
    fix = guard_fix(wrap_in_guard, text)
    assert fix is not None and fix.preferred
    assert fix.title == 'Wrap in if __name__ == "__main__":'
    assert wrap(text) == code('''
        import multiprocessing as mp

        def square(x):
            return x * x


        class Unused:
            pass


        if __name__ == "__main__":
            pool = mp.Pool(2)  # start workers
            print(pool.map(square, range(3)))
    ''')


def test_wrap_into_existing_guard_keeps_execution_order_two_spaces() -> None:
    text = code('''
        import sys
        # configure
        settings = load(sys.argv)

        def run(settings):
          if settings:
            print("ok")

        if __name__ == "__main__":
          # go
          run(settings)
        report()
    ''')
    assert wrap(text) == code('''
        import sys

        def run(settings):
          if settings:
            print("ok")

        if __name__ == "__main__":
          # configure
          settings = load(sys.argv)
          # go
          run(settings)
          report()
    ''')


def test_wrap_uses_tabs_in_a_tab_indented_file() -> None:
    text = "import os\n\ndef f():\n\treturn 1\n\nx = f()\nfor i in range(2):\n\tprint(i, x)\n"
    assert wrap(text) == (
        "import os\n\ndef f():\n\treturn 1\n\n"
        'if __name__ == "__main__":\n\tx = f()\n\tfor i in range(2):\n\t\tprint(i, x)\n'
    )


def test_wrap_keeps_crlf_line_breaks() -> None:
    text = "import mp\r\n\r\n\r\ndef f():\r\n    return 1\r\n\r\n\r\nmp.go(f)\r\n"
    assert wrap(text) == (
        "import mp\r\n\r\n\r\ndef f():\r\n    return 1\r\n\r\n\r\n"
        'if __name__ == "__main__":\r\n    mp.go(f)\r\n'
    )


def test_wrap_crlf_into_new_guard_after_last_statement() -> None:
    text = "job = start()\r\n\r\n\r\ndef f():\r\n    return 1\r\n"
    result = wrap(text)
    assert result == (
        'def f():\r\n    return 1\r\n\r\n\r\nif __name__ == "__main__":\r\n    job = start()\r\n'
    )
    assert "\n" not in result.replace("\r\n", "")


def test_wrap_never_changes_multi_line_string_text() -> None:
    text = code('''
        query = """
        SELECT *
            FROM t
        """
        print(query, f"""{query}
          end""")
    ''')
    result = wrap(text)
    assert result == 'if __name__ == "__main__":\n' + textwrap.indent(
        text, "    ", lambda line: line.startswith(("query", "print"))
    )
    original_strings = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant)]
    fixed_strings = [n.value for n in ast.walk(ast.parse(result)) if isinstance(n, ast.Constant)]
    assert [s for s in fixed_strings if s != "__main__" and s != "__name__"] == original_strings


def test_wrap_moves_comments_above_but_not_shebang_or_coding_line() -> None:
    text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Start the job.\njob = start()\n"
    assert wrap(text) == (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"
        'if __name__ == "__main__":\n    # Start the job.\n    job = start()\n'
    )


def test_wrap_moves_decorators_with_their_statement() -> None:
    text = code('''
        import mp

        # A job.
        @dataclass
        class Job:
            n: int

        mp.Process(target=print, args=(Job(1),)).start()
    ''')
    tree = ast.parse(text)
    result = applied(text, wrap_in_guard(SourceText(text), tree, tree.body[1:], None))
    assert result == code('''
        import mp

        if __name__ == "__main__":
            # A job.
            @dataclass
            class Job:
                n: int

            mp.Process(target=print, args=(Job(1),)).start()
    ''')


def test_wrap_moves_statements_sharing_a_line_together() -> None:
    text = code('''
        import mp
        pool = mp.Pool(2)
        print(pool.map(f, range(4)))
        pool.close(); pool.join()  # done
    ''')
    assert wrap(text) == code('''
        import mp
        if __name__ == "__main__":
            pool = mp.Pool(2)
            print(pool.map(f, range(4)))
            pool.close(); pool.join()  # done
    ''')
    # In the middle of the file, and with a trailing `;`.
    text = "p = mp.Process(target=print)\np.start(); p.join();\n\ndef f():\n    pass\n"
    assert wrap(text) == (
        "def f():\n    pass\n\n\nif __name__ == \"__main__\":\n"
        "    p = mp.Process(target=print)\n    p.start(); p.join();\n"
    )
    assert extract(text) == (
        "def f():\n    pass\n\n\ndef main():\n"
        "    p = mp.Process(target=print)\n    p.start(); p.join();\n\n\n"
        'if __name__ == "__main__":\n    main()\n'
    )


def test_wrap_declines_splitting_a_line_between_top_level_and_guard() -> None:
    text = "import mp\na = 1; start()\n"
    tree = ast.parse(text)
    assert wrap_in_guard(SourceText(text), tree, [tree.body[2]], None) is None
    assert extract_main(SourceText(text), tree, [tree.body[2]], None) is None
    continued = "x = 1; \\\nstart()\n"
    tree = ast.parse(continued)
    assert wrap_in_guard(SourceText(continued), tree, tree.body[1:], None) is None


def test_wrap_into_guard_written_on_one_line() -> None:
    text = 'x = prepare()\nif __name__ == "__main__": main(x)  # go\ndone()\n'
    assert wrap(text) == code('''
        if __name__ == "__main__":
            x = prepare()
            main(x)  # go
            done()
    ''')


def test_wrap_into_guard_with_else_and_file_without_final_newline() -> None:
    text = 'x = 1\nif __name__ == "__main__":\n    run(x)\nelse:\n    other()\ny()'
    assert wrap(text) == code('''
        if __name__ == "__main__":
            x = 1
            run(x)
            y()
        else:
            other()
    ''')
    assert wrap("def f():\n    pass\nprint(1)") == (
        'def f():\n    pass\nif __name__ == "__main__":\n    print(1)\n'
    )
    assert wrap("print(1)\ndef f():\n    pass") == (
        'def f():\n    pass\n\n\nif __name__ == "__main__":\n    print(1)\n'
    )


def test_wrap_declines_reordering_that_changes_what_code_sees() -> None:
    # print(x) would run after the kept `x = 2` instead of before it.
    text = "x = 1\nprint(x)\nx = 2\n\ndef f():\n    return x\n"
    tree = ast.parse(text)
    assert wrap_in_guard(SourceText(text), tree, [tree.body[1]], None) is None
    # A kept statement calling a function that reads what a moved one binds.
    text = "import mp\nconfig = load()\n\ndef f():\n    return config\n\nvalue = f()\n"
    tree = ast.parse(text)
    assert wrap_in_guard(SourceText(text), tree, [tree.body[1]], None) is None
    # The guard's condition reads what a statement above it binds.
    text = 'debug = True\nif __name__ == "__main__" and debug:\n    run()\n'
    assert guard_fix(wrap_in_guard, text) is None


def test_wrap_moves_past_a_class_whose_methods_read_what_it_binds() -> None:
    # Methods run later, so `data` may move below the class; the file's unit is two spaces
    # even though its first indented line is a bracket continuation.
    text = code('''
        data = load(1,
                    2)
        class Dataset:
          def get(self):
            return data
        run(Dataset())
    ''')
    assert wrap(text) == code('''
        class Dataset:
          def get(self):
            return data
        if __name__ == "__main__":
          data = load(1,
                      2)
          run(Dataset())
    ''')


def test_wrap_into_the_else_branch_of_a_negated_guard() -> None:
    text = code('''
        x()
        if __name__ != "__main__":
            pass
        else:
            # main part
            main()
        y()
    ''')
    assert wrap(text) == code('''
        if __name__ != "__main__":
            pass
        else:
            x()
            # main part
            main()
            y()
    ''')
    # `not __name__ == "__main__"` is the same test; extract_main takes no else branch.
    text = 'pool()\nif not __name__ == "__main__":\n    pass\nelse:\n    print(1)\n'
    assert wrap(text) == (
        'if not __name__ == "__main__":\n    pass\nelse:\n    pool()\n    print(1)\n'
    )
    assert guard_fix(extract_main, text) is None


def test_wrap_beside_a_negated_guard_without_else_keeps_the_order() -> None:
    # No else branch, or an elif: nothing to add to; the new guard goes before it, not after.
    for rest in ("", "elif y:\n    main()\n"):
        text = 'x()\nif __name__ != "__main__":\n    pass\n' + rest
        assert wrap(text) == (
            'if __name__ == "__main__":\n    x()\nif __name__ != "__main__":\n    pass\n' + rest
        )
    # An else on the `else:` line is not rewritten.
    text = 'x()\nif __name__ != "__main__":\n    pass\nelse: m()\n'
    assert guard_fix(wrap_in_guard, text) is None
    text = 'if __name__ != "__main__":\n    pass\nelse:\n    main()\nx()\n'
    assert wrap(text) == 'if __name__ != "__main__":\n    pass\nelse:\n    main()\n    x()\n'
    text = "if True:\n    x()\n"
    tree = ast.parse(text)
    assert wrap_in_guard(SourceText(text), tree, [tree.body[0].body[0]], None) is None
    assert wrap_in_guard(SourceText(text), tree, [], None) is None


# --- what the SPG101 fix keeps at top level (through the analysis) ----------------------------


def spg101_fix_titles(text: str) -> list[str]:
    return [fix.title for finding in analyze(text) if finding.code == "SPG101"
            for fix in finding.fixes if not fix.is_suppression]


def fixed(text: str) -> str:
    result = fix_text(text)
    assert not [f for f in result.remaining if f.code == "SPG101"], result.text
    assert fix_text(result.text).text == result.text
    return result.text


POOL_LOOK = '''
    def look(x):
        return TABLE[x]

    with mp.Pool(2) as p:
        print(p.map(look, range(4)))
'''
POOL_LOOK_FIXED = '''
    def look(x):
        return TABLE[x]

    if __name__ == "__main__":
        with mp.Pool(2) as p:
            print(p.map(look, range(4)))
'''


@pytest.mark.parametrize("writer", [
    # A loop storing items, a method call, an augmented item store, a deletion, an attribute
    # store, a call of a function that sets the global (directly or through another one).
    "TABLE = {}\nfor i in range(4):\n    TABLE[i] = i * 10\n",
    "TABLE = {}\nTABLE.update({i: i * 10 for i in range(4)})\n",
    "TABLE = [0, 10, 20, 30]\nTABLE[1] += 0\n",
    "TABLE = [0, 10, 20, 30, 40]\ndel TABLE[4]\n",
    "import types\nTABLE = types.SimpleNamespace()\nTABLE.rows = [0, 10, 20, 30]\n",
    "def setup():\n    global TABLE\n    TABLE = [0, 10, 20, 30]\n\nsetup()\n",
    "TABLE = {}\n\ndef fill():\n    TABLE[1] = 10\n\ndef setup():\n    fill()\n\nsetup()\n",
])
def test_wrap_keeps_statements_that_write_what_workers_read(writer: str) -> None:
    text = "import multiprocessing as mp\n" + writer + code(POOL_LOOK)
    assert fixed(text) == "import multiprocessing as mp\n" + writer + code(POOL_LOOK_FIXED)


def test_wrap_moves_a_method_call_on_what_workers_do_not_read() -> None:
    # `LOG.append` changes a list no worker reads; `TABLE.get` only reads: both move.
    text = code('''
        import multiprocessing as mp
        TABLE = {0: 0}
        LOG = []
        LOG.append(TABLE.get(0))
    ''') + code(POOL_LOOK)
    assert fixed(text) == code('''
        import multiprocessing as mp
        TABLE = {0: 0}
        LOG = []
        def look(x):
            return TABLE[x]

        if __name__ == "__main__":
            LOG.append(TABLE.get(0))
            with mp.Pool(2) as p:
                print(p.map(look, range(4)))
    ''')


@pytest.mark.parametrize("text", [
    # What the workers read is written by the statement that starts them.
    '''
        import multiprocessing as mp
        RESULTS = {}

        def look(x):
            return RESULTS.get(x, x)

        with mp.Pool(2) as p:
            RESULTS.update(enumerate(p.map(look, range(3))))
    ''',
    # ... or by a call that needs the pool.
    '''
        import multiprocessing as mp

        def setup(pool):
            global TABLE
            TABLE = pool.map(abs, range(3))

        def work(x):
            return TABLE[x]

        pool = mp.Pool(2)
        setup(pool)
        print(pool.map(work, range(3)))
    ''',
])
def test_no_guard_fix_when_what_workers_read_needs_the_start(text: str) -> None:
    assert spg101_fix_titles(code(text)) == []


def test_no_guard_fix_when_work_would_pass_kept_work() -> None:
    # `print("start")` would have to move past the kept loop (which may have effects of its
    # own, and must stay for the workers) while the Pool comes after it: no fix.
    text = code('''
        import multiprocessing as mp
        TABLE = {}
        print("start")
        for i in range(4):
            TABLE[i] = i * 10
    ''') + code(POOL_LOOK)
    assert spg101_fix_titles(text) == []


def test_item_assignment_is_work_that_moves() -> None:
    text = code('''
        from multiprocessing import Manager

        m = Manager()
        d = m.dict()
        d["a"] = 1
        m.shutdown()
    ''')
    assert fixed(text) == code('''
        from multiprocessing import Manager

        if __name__ == "__main__":
            m = Manager()
            d = m.dict()
            d["a"] = 1
            m.shutdown()
    ''')


SQUARES = "import multiprocessing as mp\nimport sys\nTABLE = [0, 1, 4]\n"


@pytest.mark.parametrize("condition", [
    '__name__ == "__main__" and len(sys.argv) > 1',
    'len(sys.argv) > 1 and __name__ == "__main__"',
    'sys.argv[1:] and "__main__" == __name__',
])
def test_wrap_never_moves_into_a_guard_with_more_than_the_main_test(condition: str) -> None:
    guard = f'\nif {condition}:\n    print("verbose run")\n'
    text = SQUARES + code(POOL_LOOK) + guard
    assert fixed(text) == SQUARES + code(POOL_LOOK_FIXED) + guard


def test_wrap_into_the_else_of_an_inverted_guard_through_the_analysis() -> None:
    inverted = '\nif __name__ != "__main__":\n    pass\nelse:\n    print(1)\n'
    text = SQUARES + code(POOL_LOOK) + inverted
    assert fixed(text) == SQUARES + code('''
        def look(x):
            return TABLE[x]

        if __name__ != "__main__":
            pass
        else:
            with mp.Pool(2) as p:
                print(p.map(look, range(4)))
            print(1)
    ''')


def test_wrap_moves_lines_of_several_statements_through_the_analysis() -> None:
    text = code('''
        import multiprocessing as mp

        def f():
            print("child")

        ctx = mp.get_context()
        p = ctx.Process(target=f)
        p.start(); p.join()
    ''')
    assert fixed(text) == code('''
        import multiprocessing as mp

        def f():
            print("child")

        if __name__ == "__main__":
            ctx = mp.get_context()
            p = ctx.Process(target=f)
            p.start(); p.join()
    ''')
    # A line shared by the start and a statement the workers need: no fix.
    text = code('''
        import multiprocessing as mp
        FACTOR = 2

        def work(x):
            return x * FACTOR

        FACTOR += 1; pool = mp.Pool(2)
        print(pool.map(work, range(3)))
    ''')
    assert spg101_fix_titles(text) == []


# --- extract_main -----------------------------------------------------------------------------


def test_extract_main_declares_globals_that_functions_read() -> None:
    text = code('''
        import multiprocessing as mp

        LIMIT = 3


        def work(x):
            return x * scale


        scale = 2
        with mp.Pool(2) as pool:
            print(pool.map(work, range(LIMIT)))
    ''')
    tree = ast.parse(text)
    fix = extract_main(SourceText(text), tree, tree.body[-2:], None)
    assert fix is not None and not fix.preferred and fix.title == "Extract into def main():"
    assert applied(text, fix) == code('''
        import multiprocessing as mp

        LIMIT = 3


        def work(x):
            return x * scale


        def main():
            global scale
            scale = 2
            with mp.Pool(2) as pool:
                print(pool.map(work, range(LIMIT)))


        if __name__ == "__main__":
            main()
    ''')


def test_extract_main_takes_guard_body_and_keeps_its_condition() -> None:
    text = code('''
        import sys

        def show():
            print(args)

        args = sys.argv[1:]
        if (__name__ == "__main__"):  # entry
            show()
            total = 1
        print("done")
    ''')
    assert extract(text) == code('''
        import sys

        def show():
            print(args)

        def main():
            global args
            args = sys.argv[1:]
            show()
            total = 1
            print("done")


        if (__name__ == "__main__"):  # entry
            main()
    ''')
    # With more than the main test in the condition, moving `print("done")` under it would
    # run it only when `len(sys.argv) < 5`; and it cannot pass that guard: no fix.
    text = text.replace('(__name__ == "__main__")',
                        '__name__ == "__main__" and len(sys.argv) < 5')
    assert guard_fix(extract_main, text) is None
    assert guard_fix(wrap_in_guard, text) is None


def test_extract_main_of_one_line_guard_in_tab_file() -> None:
    text = 'def f():\n\treturn 1\nx = f()\nif __name__ == "__main__": print(x)\n'
    assert extract(text) == (
        "def f():\n\treturn 1\n"
        'def main():\n\tx = f()\n\tprint(x)\n\n\nif __name__ == "__main__":\n\tmain()\n'
    )


def test_extract_main_declines_when_main_exists_or_cannot_be_a_function_body() -> None:
    text = "def main():\n    pass\nmain()\n"
    assert guard_fix(extract_main, text) is None
    text = "from os.path import *\nprint(join('a', 'b'))\n"
    tree = ast.parse(text)
    assert extract_main(SourceText(text), tree, tree.body, None) is None


# --- move_into_guard --------------------------------------------------------------------------


def test_move_set_start_method_to_start_of_guard() -> None:
    text = code('''
        import multiprocessing as mp

        mp.set_start_method("spawn")


        def work():
            print("hi")


        if __name__ == "__main__":
            mp.Process(target=work).start()
    ''')
    tree = ast.parse(text)
    fix = move_into_guard(SourceText(text), tree, tree.body[1], guard_of(tree))
    assert fix is not None and fix.title == 'Move into if __name__ == "__main__":'
    result = applied(text, fix)
    assert result == code('''
        import multiprocessing as mp


        def work():
            print("hi")


        if __name__ == "__main__":
            mp.set_start_method("spawn")
            mp.Process(target=work).start()
    ''')
    fixed_tree = ast.parse(result)
    call = guard_of(fixed_tree).body[0]  # type: ignore[union-attr]
    assert move_into_guard(SourceText(result), fixed_tree, call, guard_of(fixed_tree)) is None


def test_move_set_start_method_wraps_in_place_without_guard() -> None:
    text = "import multiprocessing as mp\nmp.set_start_method('spawn')  # once\n"
    tree = ast.parse(text)
    assert applied(text, move_into_guard(SourceText(text), tree, tree.body[1], None)) == (
        "import multiprocessing as mp\n"
        "if __name__ == \"__main__\":\n    mp.set_start_method('spawn')  # once\n"
    )
    nested = code('''
        import multiprocessing as mp
        try:
          mp.set_start_method("spawn")
        except RuntimeError:
          pass
    ''')
    tree = ast.parse(nested)
    statement = tree.body[1].body[0]  # type: ignore[attr-defined]
    assert applied(nested, move_into_guard(SourceText(nested), tree, statement, None)) == code('''
        import multiprocessing as mp
        try:
          if __name__ == "__main__":
            mp.set_start_method("spawn")
        except RuntimeError:
          pass
    ''')


# --- rewrite_guard_condition ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("if __name__ == 'main':\n    run()\n", "if __name__ == '__main__':\n    run()\n"),
        ('if __name__ is "__main__" :\n    run()\n', 'if __name__ == "__main__" :\n    run()\n'),
        ('if __name__ == "__maín__":  # é\n    run()\n', GUARD[:-2] + ":  # é\n    run()\n"),
        ('if (__name__ ==\n  "main"):\n    run()\n', 'if (__name__ == "__main__"):\n    run()\n'),
        ('if "__main__" in __name__:\n    run()\n', 'if __name__ == "__main__":\n    run()\n'),
        ('if "é" and __name__ == "main":\n    run()\n',
         'if "é" and __name__ == "__main__":\n    run()\n'),
        ("if __name__ == 'main' and DEBUG:\n    run()\n",
         "if __name__ == '__main__' and DEBUG:\n    run()\n"),
    ],
)
def test_rewrite_guard_condition(before: str, after: str) -> None:
    fix = rewrite_guard_condition(SourceText(before), ast.parse(before).body[0])  # type: ignore[arg-type]
    assert fix.title == 'Rewrite as if __name__ == "__main__":'
    assert applied(before, fix) == after
    again = rewrite_guard_condition(SourceText(after), ast.parse(after).body[0])  # type: ignore[arg-type]
    assert apply_edits(after, again.edits) == after


# --- move_out_of_guard ------------------------------------------------------------------------


def move_out(text: str, name: str) -> Fix | None:
    tree = ast.parse(text)
    guard = guard_of(tree)
    assert guard is not None
    definition = find(tree, (ast.FunctionDef, ast.ClassDef), name)  # type: ignore[arg-type]
    return move_out_of_guard(SourceText(text), tree, definition, guard)  # type: ignore[arg-type]


def test_move_out_of_guard_with_decorator_comment_and_docstring() -> None:
    text = code('''
        import multiprocessing as mp


        if __name__ == "__main__":
            count = 2

            # Squares numbers.
            @log_calls
            def square(x):
                """Return x squared.

            Indented oddly on purpose.
                """
                return x * x

            with mp.Pool(count) as pool:
                print(pool.map(square, range(3)))
    ''')
    result = applied(text, move_out(text, "square"))
    assert result == code('''
        import multiprocessing as mp


        # Squares numbers.
        @log_calls
        def square(x):
            """Return x squared.

            Indented oddly on purpose.
                """
            return x * x


        if __name__ == "__main__":
            count = 2

            with mp.Pool(count) as pool:
                print(pool.map(square, range(3)))
    ''')
    docstring = ast.get_docstring(find(ast.parse(result), ast.FunctionDef), clean=False)
    assert docstring == ast.get_docstring(find(ast.parse(text), ast.FunctionDef), clean=False)
    assert move_out(result.replace("def square", "def other"), "other") is None


def test_move_out_of_guard_only_statement_leaves_pass_tabs() -> None:
    text = "import mp\n" + GUARD + "\tclass Work:\n\t\tdef run(self):\n\t\t\treturn 1\n"
    assert applied(text, move_out(text, "Work")) == (
        "import mp\n\n\nclass Work:\n\tdef run(self):\n\t\treturn 1\n\n\n"
        'if __name__ == "__main__":\n\tpass\n'
    )


def test_move_out_of_guard_leaves_no_blank_line_at_the_start_of_the_body() -> None:
    text = "import mp\n\n" + GUARD + "\n    def work():\n        pass\n\n    run(work)\n"
    assert applied(text, move_out(text, "work")) == (
        "import mp\n\n\ndef work():\n    pass\n\n\n" + GUARD + "    run(work)\n"
    )


def test_move_out_of_guard_declines_names_only_the_guard_binds() -> None:
    reads_local = GUARD + "    n = 3\n    def work(x):\n        return x * n\n"
    assert move_out(reads_local, "work") is None
    default_reads_local = GUARD + "    n = 3\n    def work(x=n):\n        return x\n"
    assert move_out(default_reads_local, "work") is None
    # the default would read the module's n (1), not the guard's (3)
    default_shadowed = "n = 1\n" + GUARD + "    n = 3\n    def work(x=n):\n        return x\n"
    assert move_out(default_shadowed, "work") is None
    base_in_guard = GUARD + "    class A: pass\n    class B(A): pass\n"
    assert move_out(base_in_guard, "B") is None
    assert move_out(base_in_guard, "A") is not None
    # `n` exists at module level too, and a def may call itself.
    fine = "n = 1\n" + GUARD + "    n = 3\n    def work(x):\n        return work(x * n)\n"
    assert applied(fine, move_out(fine, "work")) == (
        "n = 1\n\n\ndef work(x):\n    return work(x * n)\n\n\n" + GUARD + "    n = 3\n"
    )


def test_move_out_of_guard_declines_a_name_bound_elsewhere() -> None:
    text = 'def work():\n    pass\nif __name__ == "__main__":\n    def work():\n        pass\n'
    assert move_out(text, "work") is None


# --- lift_lambda ------------------------------------------------------------------------------


def lift(
    text: str, hint: str = "collate_fn", local_names: frozenset[str] = frozenset()
) -> Fix | None:
    tree = ast.parse(text)
    lam = find(tree, ast.Lambda)
    return lift_lambda(SourceText(text), tree, lam, hint, local_names)  # type: ignore[arg-type]


def assert_no_lambda_left(text: str) -> None:
    assert not any(isinstance(node, ast.Lambda) for node in ast.walk(ast.parse(text)))


def test_lift_lambda_without_free_locals_after_non_ascii_text() -> None:
    text = code('''
        from torch.utils.data import DataLoader

        données = [1, 2]
        chargeur = DataLoader(données, num_workers=2, collate_fn=lambda lot: sorted(lot))  # « tri »
    ''')
    fix = lift(text)
    assert fix is not None and fix.preferred
    result = applied(text, fix)
    assert result == code('''
        from torch.utils.data import DataLoader

        données = [1, 2]


        def collate_fn(lot):
            return sorted(lot)


        chargeur = DataLoader(données, num_workers=2, collate_fn=collate_fn)  # « tri »
    ''')
    assert_no_lambda_left(result)


def test_lift_lambda_with_locals_uses_partial_and_imports_functools() -> None:
    text = code('''
        """Train."""
        from __future__ import annotations

        import torch


        def collate_fn(batch):
            return batch


        def train(scale):
            offset = 1
            loader = torch.utils.data.DataLoader(
                range(4),
                num_workers=2,
                collate_fn=lambda batch, *extra, pad=0, **options: [b * scale + offset
                                                                    for b in batch],
            )
            return list(loader)
    ''')
    result = applied(text, lift(text))
    assert result == code('''
        """Train."""
        from __future__ import annotations

        import functools

        import torch


        def collate_fn(batch):
            return batch


        def collate_fn_2(batch, *extra, pad=0, scale, offset, **options):
            return ([b * scale + offset
                                                                    for b in batch])


        def train(scale):
            offset = 1
            loader = torch.utils.data.DataLoader(
                range(4),
                num_workers=2,
                collate_fn=functools.partial(collate_fn_2, scale=scale, offset=offset),
            )
            return list(loader)
    ''')
    assert_no_lambda_left(result)


# Where `import functools` goes (isort/ruff order), by the module's imports: before, after.
IMPORT_PLACEMENTS = {
    "between-plain-imports": ("import abc\nimport os\n",
                              "import abc\nimport functools\nimport os\n"),
    "plain-before-from-imports": ("import abc\nfrom collections import deque\n",
                                  "import abc\nimport functools\nfrom collections import deque\n"),
    "above-the-next-import's-comment": ("import abc\n# the OS\nimport os\n",
                                         "import abc\nimport functools\n# the OS\nimport os\n"),
    "after-the-last-stdlib-import": ("import abc\nimport torch\n",
                                     "import abc\nimport functools\nimport torch\n"),
    "own-section-before-third-party": ("import numpy as np\n",
                                       "import functools\n\nimport numpy as np\n"),
    "own-section-after-future": ("from __future__ import annotations\n",
                                 "from __future__ import annotations\n\nimport functools\n"),
    "before-relative-imports": ('"""Doc."""\nfrom . import util\n',
                                '"""Doc."""\nimport functools\n\nfrom . import util\n'),
}


@pytest.mark.parametrize(("imports", "sorted_imports"), IMPORT_PLACEMENTS.values(),
                         ids=IMPORT_PLACEMENTS.keys())
def test_lift_lambda_adds_import_functools_in_sorted_order(imports: str,
                                                          sorted_imports: str) -> None:
    body = "def run(pool, k):\n    return pool.map(lambda x: x * k, [1])\n"
    result = applied(imports + "\n\n" + body, lift(imports + "\n\n" + body, "func"))
    assert result == sorted_imports + (
        "\n\ndef func(x, *, k):\n    return x * k\n\n\n"
        "def run(pool, k):\n    return pool.map(functools.partial(func, k=k), [1])\n"
    )


def test_lift_lambda_reuses_imported_partial_and_keeps_parameter_kinds() -> None:
    text = code('''
        from functools import partial as bind
        def run(pool, k):
            return pool.map(lambda x, /, y=(1, 2), *, z=3: x * k + z, [1])
    ''')
    assert applied(text, lift(text, "func")) == code('''
        from functools import partial as bind


        def func(x, /, y=(1, 2), *, z=3, k):
            return x * k + z


        def run(pool, k):
            return pool.map(bind(func, k=k), [1])
    ''')


def test_lift_lambda_with_guard_names_and_multi_line_body_crlf() -> None:
    text = (
        "import multiprocessing as mp\r\n"
        'if __name__ == "__main__":\r\n'
        "    factor = 3\r\n"
        "    with mp.Pool(2) as pool:\r\n"
        "        print(pool.map(lambda x: x *\r\n"
        "                       factor, range(3)))\r\n"
    )
    result = applied(text, lift(text, "pool.map func", frozenset({"factor", "pool"})))
    assert result == (
        "import functools\r\n"
        "import multiprocessing as mp\r\n"
        "\r\n\r\n"
        "def pool_map_func(x, *, factor):\r\n"
        "    return (x *\r\n"
        "                       factor)\r\n"
        "\r\n\r\n"
        'if __name__ == "__main__":\r\n'
        "    factor = 3\r\n"
        "    with mp.Pool(2) as pool:\r\n"
        "        print(pool.map(functools.partial(pool_map_func, factor=factor), range(3)))\r\n"
    )


def test_lift_inner_lambda_reading_outer_lambda_parameter() -> None:
    text = "f = lambda a: (lambda b: a + b)\n"
    tree = ast.parse(text)
    inner = tree.body[0].value.body  # type: ignore[attr-defined]
    result = applied(text, lift_lambda(SourceText(text), tree, inner, "add", frozenset()))
    assert result == (
        "import functools\n\n\ndef add(b, *, a):\n    return a + b\n\n\n"
        "f = lambda a: (functools.partial(add, a=a))\n"
    )
    assert eval(compile(result + "result = f(2)(3)\n", "<t>", "exec"), scope := {}) is None
    assert scope["result"] == 5


@pytest.mark.parametrize(
    "text",
    [
        # bound again after the lambda: the lambda would see the new value
        "def f(pool, d):\n    s = 1\n    r = pool.map(lambda x: x * s, d)\n    s = 2\n",
        # a loop variable
        "def f(pool, d):\n    for s in range(3):\n        pool.map(lambda x: x * s, d)\n",
        # bound by the statement holding the lambda
        "def f(pool, s):\n    s = pool.map(lambda x: x * s, [1])\n",
        # a comprehension variable
        "def f(pool):\n    return [pool.map(lambda x: x * s, [1]) for s in range(2)]\n",
        # a default value that reads a local
        "def f(pool):\n    s = 1\n    return pool.map(lambda x, t=s: x * t, [1])\n",
        # the local is a nested function: a worker could not unpickle it either
        "def f(pool):\n    def g(x):\n        return x\n    return pool.map(lambda x: g(x), [1])\n",
        # a default that reads a class attribute (not visible at module level)
        "class A:\n    K = 2\n    f = staticmethod(lambda x, k=K: x * k)\n",
        # the statement holding it starts on the last line of a multi-line string
        's = """a\n"""; r = pool.map(lambda x: x, [1])\n',
        # zero-argument super() needs the class
        "class A:\n    def f(self):\n        return lambda: super().f()\n",
    ],
)
def test_lift_lambda_declines_when_partial_would_differ(text: str) -> None:
    assert lift(text, "func") is None


# --- lift_nested ------------------------------------------------------------------------------


def nested(text: str, name: str, local_names: frozenset[str] = frozenset()) -> Fix | None:
    tree = ast.parse(text)
    definition = find(tree, (ast.FunctionDef, ast.ClassDef), name)  # type: ignore[arg-type]
    return lift_nested(SourceText(text), tree, definition, local_names)  # type: ignore[arg-type]


def test_lift_nested_function_without_locals_two_spaces() -> None:
    text = code('''
        import multiprocessing as mp
        from tracing import trace

        def main():
          # Worker.
          @trace
          def work(x):
            """Double.
          Keep this line.
            """
            return 2 * x
          with mp.Pool(2) as pool:
            print(pool.map(work, [1, 2]))
    ''')
    result = applied(text, nested(text, "work"))
    assert result == code('''
        import multiprocessing as mp
        from tracing import trace


        # Worker.
        @trace
        def work(x):
          """Double.
          Keep this line.
            """
          return 2 * x


        def main():
          with mp.Pool(2) as pool:
            print(pool.map(work, [1, 2]))
    ''')
    assert nested(result, "work") is None  # already at module level


def test_lift_nested_function_with_locals_becomes_partial() -> None:
    text = code('''
        import functools
        import multiprocessing as mp


        def main(n):
            k = 2

            def work(x, /, *, z=1, **options) -> int:
                return x * k * n + z

            with mp.Pool(2) as pool:
                print(pool.map(work, [1, 2]))
    ''')
    fix = nested(text, "work")
    assert fix is not None and fix.title == "Move work to module level"
    result = applied(text, fix)
    assert result == code('''
        import functools
        import multiprocessing as mp


        def _work(x, /, *, z=1, k, n, **options) -> int:
            return x * k * n + z


        def main(n):
            k = 2

            work = functools.partial(_work, k=k, n=n)

            with mp.Pool(2) as pool:
                print(pool.map(work, [1, 2]))
    ''')
    assert nested(result, "_work") is None


def test_lift_nested_with_non_ascii_names_before_the_edited_columns() -> None:
    text = code('''
        def main(facteur):
            def calculé(x, ñ="é"):  # « calcul »
                return x * facteur, ñ
            return calculé
    ''')
    assert applied(text, nested(text, "calculé")) == code('''
        import functools


        def _calculé(x, ñ="é", *, facteur):  # « calcul »
            return x * facteur, ñ


        def main(facteur):
            calculé = functools.partial(_calculé, facteur=facteur)
            return calculé
    ''')


def test_lift_nested_local_class_without_locals_in_a_block() -> None:
    text = code("""
        def main(flag):
            if flag:
                class Task:
                    size = 1
            return Task
    """)
    assert applied(text, nested(text, "Task")) == (
        "class Task:\n    size = 1\n\n\n"
        "def main(flag):\n    if flag:\n        pass\n    return Task\n"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a local class that reads locals
        ("def main(n):\n    class Task:\n        size = n\n    return Task\n", "Task"),
        # collides with a module-level name
        ("work = 1\ndef main():\n    def work():\n        pass\n    return work\n", "work"),
        # the local it reads is bound again after the def
        ("def main():\n    k = 1\n    def work():\n        return k\n    k = 2\n    return work\n",
         "work"),
        # writes the local back
        ("def main():\n    k = 1\n    def work():\n        nonlocal k\n        k += 1\n"
         "    return work\n", "work"),
        # the name is bound twice in the enclosing function
        ("def main(a):\n    def work():\n        pass\n    if a:\n        work = None\n"
         "    return work\n",
         "work"),
        # a method is not a nested function
        ("class A:\n    def work(self):\n        pass\n", "work"),
    ],
)
def test_lift_nested_declines(text: str, name: str) -> None:
    assert nested(text, name) is None


# --- property: wrap_in_guard keeps every statement, once --------------------------------------


def _statement(kind: int, index: int, number: int, indent: str) -> str:
    forms = [
        f"v{index} = {number}",
        f"print({index}, {number})",
        f"for i{index} in range({number}):\n{indent}print(i{index})",
        f"def f{index}():\n{indent}return {number}",
        f's{index} = """a{number}\n  b{index}\n"""',
        f"# note {index}\nprint('n{index}')",
        f"@staticmethod\ndef g{index}():\n{indent}pass",
        f"if v{index} if False else {number}:\n{indent}w{index} = [\n{indent}{number}]",
        f'print("""p{index}\n  q{number}\n""")',
    ]
    return forms[kind]


def _run(text: str) -> str:
    """What a script prints when run as the main module (in this process)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(text, "<script>", "exec"), {"__name__": "__main__"})
    return output.getvalue()


@st.composite
def scripts(draw: st.DrawFn) -> str:
    """Independent module-level statements in some indentation style and line break, maybe
    with a main guard among them."""
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    kinds = draw(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 9), st.integers(0, 2)),
                          min_size=1, max_size=9))
    blocks = [_statement(kind, index, number, indent) + "\n" * (1 + blanks)
              for index, (kind, number, blanks) in enumerate(kinds)]
    guard_at = draw(st.one_of(st.none(), st.integers(0, len(blocks))))
    if guard_at is not None:
        blocks.insert(guard_at, f'if __name__ == "__main__":\n{indent}print("guard")\n\n')
    return "".join(blocks).replace("\n", draw(st.sampled_from(["\n", "\r\n"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scripts())
def test_wrap_in_guard_keeps_every_statement_once(text: str) -> None:
    tree = ast.parse(text)
    moved = jobs(tree)
    fix = wrap_in_guard(SourceText(text), tree, moved, guard_of(tree))
    if not moved:
        assert fix is None
        return
    result = applied(text, fix)
    if "\r\n" in text:
        assert "\n" not in result.replace("\r\n", "")
    else:
        assert "\r" not in result
    fixed = ast.parse(result)
    guards = [s for s in fixed.body if is_guard(s)]
    assert len(guards) == 1
    assert not jobs(fixed)
    # Every statement is still there exactly once, moved ones in their order in the guard.
    original = [ast.dump(s) for s in tree.body if not is_guard(s)]
    kept = [ast.dump(s) for s in fixed.body if not is_guard(s)]
    in_guard = [ast.dump(s) for s in guards[0].body]  # type: ignore[attr-defined]
    assert sorted(kept + [d for d in in_guard if "'guard'" not in d]) == sorted(original)
    assert [d for d in in_guard if "'guard'" not in d] == [ast.dump(s) for s in moved]
    for statement in tree.body:
        segment = ast.get_source_segment(text, statement) or ""
        if '"""' in segment:  # the string's own lines, to the letter
            assert result.count(segment[segment.index('"""'):]) == 1
        first = segment.splitlines()[0].strip()
        assert [line.strip() for line in result.splitlines()].count(first) == 1
    assert _run(result) == _run(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scripts())
def test_extract_main_prints_what_the_script_printed(text: str) -> None:
    tree = ast.parse(text)
    fix = extract_main(SourceText(text), tree, jobs(tree), guard_of(tree))
    if not jobs(tree) and guard_of(tree) is None:
        assert fix is None
        return
    result = applied(text, fix)
    assert not jobs(ast.parse(result))
    assert _run(result) == _run(text)


# --- runtime: transformed scripts under spawn ---------------------------------------------------

runtime = pytest.mark.runtime


def run_both(tmp_path: Path, original: str, fixed: str) -> tuple[str, str]:
    """stdout of the original under fork and of the fixed script under spawn (which must
    succeed)."""
    from runtime.harness import Outcome, run_script

    original_path = tmp_path / "original.py"
    fixed_path = tmp_path / "fixed.py"
    original_path.write_text(original, encoding="utf-8")
    fixed_path.write_text(fixed, encoding="utf-8")
    under_fork = run_script(original_path, "fork")
    under_spawn = run_script(fixed_path, "spawn")
    assert under_spawn.outcome is Outcome.OK, under_spawn.describe()
    return under_fork.stdout, under_spawn.stdout


def run_spawn(tmp_path: Path, text: str, name: str = "script.py") -> str:
    from runtime.harness import Outcome, run_script

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    outcome = run_script(path, "spawn")
    assert outcome.outcome is Outcome.OK, outcome.describe()
    return outcome.stdout


def spawn_fails(tmp_path: Path, text: str) -> str:
    from runtime.harness import run_script

    path = tmp_path / "broken.py"
    path.write_text(text, encoding="utf-8")
    return run_script(path, "spawn").outcome.value


@runtime
def test_runtime_wrap_in_guard_process_at_module_level(tmp_path: Path) -> None:
    text = code('''
        import multiprocessing as mp


        def work(queue, x):
            queue.put(x * 2)


        queue = mp.Queue()
        process = mp.Process(target=work, args=(queue, 21))
        process.start()
        print("result", queue.get())
        process.join()
        print("exit", process.exitcode)
    ''')
    assert spawn_fails(tmp_path, text) == "bootstrap"
    fixed = wrap(text)
    fork_out, spawn_out = run_both(tmp_path, text, fixed)
    assert fork_out == spawn_out == "result 42\nexit 0\n"


@runtime
def test_runtime_extract_main_keeps_globals_for_workers(tmp_path: Path) -> None:
    text = code('''
        import multiprocessing as mp

        OFFSET = 10


        def work(x):
            return x + OFFSET


        with mp.Pool(2) as pool:
            print(pool.map(work, range(3)))
    ''')
    tree = ast.parse(text)
    # OFFSET stays at module level: the workers read it.
    fixed = applied(text, extract_main(SourceText(text), tree, tree.body[-1:], None))
    fork_out, spawn_out = run_both(tmp_path, text, fixed)
    assert fork_out == spawn_out == "[10, 11, 12]\n"


@runtime
def test_runtime_lift_lambda_process_target_with_local(tmp_path: Path) -> None:
    text = code('''
        import multiprocessing as mp


        def main():
            factor = 3
            process = mp.Process(target=lambda: print("child", 7 * factor))
            process.start()
            process.join()
            print("exit", process.exitcode)


        if __name__ == "__main__":
            main()
    ''')
    assert spawn_fails(tmp_path, text) == "pickling"
    fixed = applied(text, lift(text, "target"))
    assert "functools.partial(target, factor=factor)" in fixed
    fork_out, spawn_out = run_both(tmp_path, text, fixed)
    assert fork_out == spawn_out == "child 21\nexit 0\n"


@runtime
def test_runtime_lift_lambda_pool_map(tmp_path: Path) -> None:
    # Pool tasks are pickled under fork too, so the original fails everywhere.
    text = code('''
        import multiprocessing as mp

        if __name__ == "__main__":
            with mp.Pool(2) as pool:
                print(pool.map(lambda x: x * x, range(4)))
    ''')
    assert spawn_fails(tmp_path, text) == "pickling"
    fixed = applied(text, lift(text, "square"))
    assert run_spawn(tmp_path, fixed) == "[0, 1, 4, 9]\n"


@runtime
def test_runtime_lift_nested_with_local_pool_map(tmp_path: Path) -> None:
    text = code('''
        import multiprocessing as mp


        def main(power):
            def work(x):
                return x ** power

            with mp.Pool(2) as pool:
                print(pool.map(work, range(4)))


        if __name__ == "__main__":
            main(3)
    ''')
    fixed = applied(text, nested(text, "work"))
    assert run_spawn(tmp_path, fixed) == "[0, 1, 8, 27]\n"


@runtime
def test_runtime_move_class_out_of_guard(tmp_path: Path) -> None:
    text = code('''
        import multiprocessing as mp

        if __name__ == "__main__":
            class Greeter:
                def __call__(self, name):
                    print("hello", name)

            process = mp.Process(target=Greeter(), args=("world",))
            process.start()
            process.join()
            print("exit", process.exitcode)
    ''')
    assert spawn_fails(tmp_path, text) == "pickling"
    fixed = applied(text, move_out(text, "Greeter"))
    fork_out, spawn_out = run_both(tmp_path, text, fixed)
    assert fork_out == spawn_out == "hello world\nexit 0\n"


@pytest.mark.parametrize("indent", ["\f", "\f  ", "  \f  "])
def test_a_form_feed_in_a_moved_line_does_not_undo_its_new_indent(indent: str) -> None:
    # Python counts columns from zero again after a form feed: kept behind the new indent it
    # would dedent the line out of the guard (found by fuzzing: `\f_` before a script).
    text = f"{indent}print(1)  # first\nrun()\n" if indent == "\f" else \
        f"if True:\n{indent}print(1)\nrun()\n"
    result = wrap(text)
    assert GUARD in result and "\f" not in result.split(GUARD)[1].split("\n")[0]
    for extracted in (result, extract(text)):
        assert ast.parse(extracted)
