"""Fixes that put import-time code under `if __name__ == "__main__":` (SPG101, SPG102, SPG301).

The analysis decides which module-level statements to move; these functions only move them,
keeping their order and text. They return None rather than a fix that would change what the
script does: a line shared by a moved and a kept statement, a move that would swap a moved
statement with a kept one that binds, changes or reads the same names, or one that would move
it past kept work or another guard.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spawnguard.analysis.findings import Fix, TextEdit
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.toplevel import imported_names, mutated_names
from spawnguard.fixes.names import (
    COMPREHENSIONS,
    bound_names,
    definition_reads,
    free_names,
    index_in,
    module_facts,
    scope_facts,
)
from spawnguard.fixes.statements import (
    GUARD_HEADER,
    EditBuilder,
    LineSpan,
    blank_lines_above,
    blank_lines_between,
    code_start_line,
    first_line,
    indentation,
    is_blank,
    reindent,
    statement_span,
)
from spawnguard.fixes.text import indent_unit

WRAP_TITLE = 'Wrap in if __name__ == "__main__":'
EXTRACT_TITLE = "Extract into def main():"
MOVE_TITLE = 'Move into if __name__ == "__main__":'
REWRITE_TITLE = 'Rewrite as if __name__ == "__main__":'
MAIN_NAME = "main"


@dataclass(frozen=True)
class _Run:
    """Moved statements that are neighbours in the module body, moved as one block of lines
    (with the blank lines and comments between them)."""

    first_index: int
    last_index: int
    span: LineSpan


@dataclass(frozen=True)
class _Plan:
    before: list[_Run]  # runs before the guard (all of them when there is no guard)
    after: list[_Run]  # runs after the guard
    # Without a guard: the index of the statement the new block goes before (len(body): the
    # end), so that no moved statement passes a kept one whose order matters.
    insert_index: int


# wrap_in_guard and extract_main are asked about the same statements, once per finding.
_plans: weakref.WeakKeyDictionary[ast.Module, dict[tuple[int, ...], _Plan | None]] = (
    weakref.WeakKeyDictionary()
)


def _plan(
    source: SourceText,
    tree: ast.Module,
    moved: Sequence[ast.stmt],
    guard: ast.If | None,
    barriers: Sequence[ast.stmt],
) -> _Plan | None:
    key = (id(guard), *(id(statement) for statement in moved), -1,
           *(id(statement) for statement in barriers))
    known = _plans.setdefault(tree, {})
    if key not in known:
        known[key] = _make_plan(source, tree, moved, guard, barriers)
    return known[key]


def _line_spans(source: SourceText, body: list[ast.stmt], indexes: list[int]
                ) -> dict[int, LineSpan] | None:
    """The whole lines of each moved statement. Statements sharing lines (`a(); b()`) move
    together: each gets the lines of its group, and all of the group must move."""
    moving = set(indexes)
    spans: dict[int, LineSpan] = {}
    for index in indexes:
        if index in spans:
            continue
        first = last = index
        while first > 0 and (body[first - 1].end_lineno or 0) >= code_start_line(body[first]):
            first -= 1
        while last + 1 < len(body) and code_start_line(body[last + 1]) <= (
                body[last].end_lineno or 0):
            last += 1
        if not set(range(first, last + 1)) <= moving:
            return None  # part of the line would stay: no fix rather than a split line
        head, tail = statement_span(source, body[first], end=False), statement_span(
            source, body[last], start=False)
        if head is None or tail is None:
            return None
        for member in range(first, last + 1):
            spans[member] = LineSpan(head.first, tail.last)
    return spans


def tests_name(statement: ast.stmt) -> bool:
    """A module-level statement other than a definition that reads `__name__`: a guard of
    any kind (`if`, `match`, `__name__ == "__main__" and main()`), whose guarded part runs
    in the parent where it stands."""
    return not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and any(
        isinstance(node, ast.Name) and node.id == "__name__" for node in ast.walk(statement)
    )


def _condition(statement: ast.stmt) -> ast.expr | None:
    """What a guard evaluates in every process before choosing a branch."""
    if isinstance(statement, ast.If):
        return statement.test
    return statement.subject if isinstance(statement, ast.Match) else None


def _make_plan(
    source: SourceText,
    tree: ast.Module,
    moved: Sequence[ast.stmt],
    guard: ast.If | None,
    barriers: Sequence[ast.stmt],
) -> _Plan | None:
    body = tree.body
    position = {id(statement): index for index, statement in enumerate(body)}
    found = [position.get(id(statement)) for statement in moved]
    guard_index = position.get(id(guard)) if guard is not None else None
    if None in found or (guard is not None and (guard_index is None or guard_index in found)):
        return None
    indexes = sorted({index for index in found if index is not None})
    spans = _line_spans(source, body, indexes)
    if spans is None:
        return None
    # Kept statements whose place in the order matters beyond the names they share: work
    # that stays (it may print, write files…) and other guards (their bodies run in the
    # parent). No moved statement may pass one.
    fixed_points = {position[id(s)] for s in barriers if id(s) in position}
    fixed_points |= {index for index, s in enumerate(body) if tests_name(s)}
    fixed_points -= {*indexes, guard_index}
    insert_index = len(body)
    if guard_index is None and indexes:
        insert_index = min((i for i in fixed_points if i > indexes[0]), default=len(body))
        if indexes[-1] > insert_index:
            return None
    moved_binds = bound_names(body[i] for i in indexes)
    for index in fixed_points:
        condition = _condition(body[index]) if tests_name(body[index]) else None
        if condition is not None and moved_binds & {
            node.id for node in ast.walk(condition) if isinstance(node, ast.Name)
        }:
            return None  # a guard's condition, evaluated in every process, reads them
    if not _order_change_is_safe(tree, indexes, guard_index, insert_index, fixed_points):
        return None
    runs: list[_Run] = []
    for index in indexes:
        if runs and runs[-1].last_index == index - 1:
            previous = runs.pop()
            runs.append(_Run(previous.first_index, index, LineSpan(previous.span.first,
                                                                   spans[index].last)))
        else:
            runs.append(_Run(index, index, spans[index]))
    split = len(body) if guard_index is None else guard_index
    before = [run for run in runs if run.first_index < split]
    if guard is not None and bound_names(body[i] for i in indexes if i < split) & {
        node.id for node in ast.walk(guard.test) if isinstance(node, ast.Name)
    }:
        return None  # the guard's condition reads what they bind: they must run before it
    return _Plan(before, runs[len(before) :], insert_index)


# --- is the new execution order safe? -----------------------------------------------------------


def _reads_when_run(nodes: list[ast.stmt]) -> set[str]:
    """Names statements read when they run: class bodies and comprehensions run at once,
    function and lambda bodies only when called."""
    reads: set[str] = set()
    bodies = [nodes]  # classes nest: their bodies are read from a worklist
    while bodies:
        facts = scope_facts(bodies.pop())
        reads |= facts.loaded
        for nested in facts.nested:
            if isinstance(nested, ast.ClassDef):
                bodies.append(nested.body)
            elif isinstance(nested, COMPREHENSIONS):
                reads |= free_names(nested)
    return reads


def _order_change_is_safe(
    tree: ast.Module,
    moved: list[int],
    guard_index: int | None,
    insert_index: int,
    fixed_points: set[int],
) -> bool:
    """True when no moved statement trades places with a kept one that shares names with it
    (binds, reads or changes them), or with a fixed point (kept work, another guard).

    Without a guard, moved statements run where the new block goes (before `insert_index`),
    after the kept ones above it; with one, those above it run at the start of its body
    (after the kept ones between them and the guard) and those below it at the end (before
    the kept ones between the guard and them).
    """
    body = tree.body
    moved_set = set(moved)
    imported = imported_names(tree)
    definitions = {
        s.name: s
        for s in body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    definition_memo: dict[str, set[str]] = {}

    def reads_following_calls(statement: ast.stmt) -> set[str]:
        """What it reads when it runs, plus what this module's functions and classes that it
        mentions read (it may call them)."""
        reads = _reads_when_run([statement])
        pending = [name for name in reads if name in definitions]
        while pending:
            name = pending.pop()
            if name not in definition_memo:
                definition_memo[name] = definition_reads(definitions[name])
                pending.extend(n for n in definition_memo[name] if n in definitions)
            reads |= definition_memo[name]
        return reads

    def passes_kept(indexes: range) -> bool:
        """Walk towards where the moved statements go, collecting what the kept ones read
        and bind; a moved statement must share none of it."""
        kept_reads: set[str] = set()
        kept_binds: set[str] = set()
        passed_fixed_point = False
        for index in indexes:
            if index == guard_index:
                continue
            reads = reads_following_calls(body[index])
            binds = bound_names([body[index]]) | mutated_names([body[index]], imported)
            if index not in moved_set:
                kept_reads |= reads
                kept_binds |= binds
                passed_fixed_point |= index in fixed_points
            elif passed_fixed_point or binds & (kept_reads | kept_binds) or reads & kept_binds:
                return False
        return True

    end = insert_index if guard_index is None else guard_index
    if not passes_kept(range(end - 1, -1, -1)):
        return False
    return guard_index is None or passes_kept(range(guard_index + 1, len(body)))


# --- the guard ------------------------------------------------------------------------------------


def guard_polarity(guard: ast.If) -> bool | None:
    """True for `if __name__ == "__main__":` (the body is guarded), False for
    `if __name__ != "__main__":` / `if not __name__ == "__main__":` (the else branch is),
    None for any other condition: `… and more`, `or`, `is`, … are never added to."""
    test = guard.test
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if negated:
        test = test.operand  # type: ignore[attr-defined]
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq | ast.NotEq)):
        return None
    operands = [test.left, test.comparators[0]]
    is_name = [isinstance(o, ast.Name) and o.id == "__name__" for o in operands]
    is_main = [isinstance(o, ast.Constant) and o.value == "__main__" for o in operands]
    if not ((is_name[0] and is_main[1]) or (is_main[0] and is_name[1])):
        return None
    return isinstance(test.ops[0], ast.Eq) != negated


def guarded_body(guard: ast.If) -> list[ast.stmt] | None:
    """The statements a plain main guard runs in the parent only: its body, or the `else`
    branch of an inverted one (None without one, or when it is an `elif`)."""
    polarity = guard_polarity(guard)
    if polarity is None:
        return None
    if polarity:
        return guard.body
    if not guard.orelse or (len(guard.orelse) == 1 and isinstance(guard.orelse[0], ast.If)):
        return None
    return guard.orelse


def plain_guard(tree: ast.Module, *, inverted: bool = True) -> ast.If | None:
    """The first module-level guard that fixes may add to: a plain main test (or, with
    `inverted`, its negation with an `else` branch)."""
    for statement in tree.body:
        if isinstance(statement, ast.If) and guarded_body(statement) is not None and (
                inverted or guard_polarity(statement)):
            return statement
    return None


@dataclass(frozen=True)
class _GuardShape:
    """How an existing guard is written: its header text and how its body is laid out."""

    header: str  # `if …:` as written (may span lines), without a trailing line break
    inline_body: str | None  # the body's text when it sits on the header line
    body_prefix: str  # indentation of the body


def _guard_shape(source: SourceText, guard: ast.If, unit: str) -> _GuardShape | None:
    body = guarded_body(guard)
    if body is None or statement_span(source, guard) is None:
        return None
    body_start = body[0]
    if body is guard.orelse:
        line = source.line(body_start.lineno)
        if line[: source.byte_col_to_char(body_start.lineno, body_start.col_offset)].strip():
            return None  # `else: x()` on one line
        return _GuardShape("else:", None, indentation(source, body_start.lineno))
    if body_start.lineno == guard.lineno:
        if guard.orelse or guard.end_lineno != guard.lineno:
            return None
        line = source.line(guard.lineno)
        start = source.byte_col_to_char(guard.lineno, body_start.col_offset)
        return _GuardShape(line[:start].rstrip(), line[start:].rstrip(), unit)
    header_end = first_line(source, body_start) - 1
    while header_end > guard.lineno and is_blank(source, header_end):
        header_end -= 1
    header = source.newline.join(source.lines[guard.lineno - 1 : header_end])
    return _GuardShape(header, None, indentation(source, body_start.lineno))


def _runs_text(source: SourceText, runs: list[_Run], prefix: str) -> str:
    return "".join(reindent(source, run.span, "", prefix) for run in runs)


def _guard_body_text(source: SourceText, guard: ast.If, shape: _GuardShape, prefix: str) -> str:
    if shape.inline_body is not None:
        return prefix + shape.inline_body + source.newline
    span = LineSpan(first_line(source, guard.body[0]), guard.body[-1].end_lineno or 0)
    return reindent(source, span, shape.body_prefix, prefix)


def _place_new_block(
    builder: EditBuilder,
    tree: ast.Module,
    runs: list[_Run],
    render: Callable[[], str],
    blank_lines: int,
    insert_index: int,
) -> None:
    """Put a new top-level block after the module's last statement, or before the statement
    at `insert_index`. When the last moved run ends right there, the block replaces that
    run where it stands."""
    source = builder.source
    if runs[-1].last_index == insert_index - 1:
        for run in runs[:-1]:
            builder.delete_statement(run.span)
        builder.replace_lines(runs[-1].span.first, runs[-1].span.last, render())
        return
    for run in runs:
        builder.delete_statement(run.span)
    if insert_index < len(tree.body):
        following = tree.body[insert_index]
        before = first_line(source, following)
        gap = blank_lines_between(following)
        builder.insert_lines(before, blank_lines_above(source, before, gap) + render()
                             + source.newline * gap)
        return
    last = tree.body[-1]
    after = (last.end_lineno or last.lineno) + 1
    builder.insert_lines(after, blank_lines_above(source, after, blank_lines) + render())


def _usable(guard: ast.If | None) -> ast.If | None:
    """The guard if statements may go into it; None when its condition is more than the
    plain main test (it then stays where it is, and nothing moves past it)."""
    return guard if guard is not None and guarded_body(guard) is not None else None


def wrap_in_guard(
    source: SourceText,
    tree: ast.Module,
    moved: Sequence[ast.stmt],
    guard: ast.If | None,
    barriers: Sequence[ast.stmt] = (),
) -> Fix | None:
    """Move module-level statements under `if __name__ == "__main__":` (SPG101).

    Without a guard, a new one goes after the module's last statement, or just before the
    first kept statement whose place in the order matters (`barriers`: kept work; any other
    `if` testing `__name__`) that follows a moved one; no moved statement may pass one. With
    a plain guard (or the `else` branch of a plain inverted one), statements above it go to
    the start of its body and statements below it to the end, so the order in which
    everything runs is kept. A guard whose condition is more than the plain main test is
    never added to.
    """
    unit = indent_unit(source, tree)  # first: it reads the text facts from the tree
    guard = _usable(guard)
    plan = _plan(source, tree, moved, guard, barriers)
    if plan is None or not (plan.before or plan.after):
        return None
    builder = EditBuilder(source)
    nl = source.newline
    if guard is None:
        _place_new_block(
            builder,
            tree,
            plan.before,
            lambda: GUARD_HEADER + nl + _runs_text(source, plan.before, unit),
            blank_lines_between(tree.body[-1]),
            plan.insert_index,
        )
    else:
        shape = _guard_shape(source, guard, unit)
        if shape is None:
            return None
        for run in (*plan.before, *plan.after):
            builder.delete_statement(run.span)
        _add_to_guard(builder, guard, shape, _runs_text(source, plan.before, shape.body_prefix),
                      _runs_text(source, plan.after, shape.body_prefix))
    return builder.fix(WRAP_TITLE, preferred=True)


def _add_to_guard(
    builder: EditBuilder, guard: ast.If, shape: _GuardShape, at_start: str, at_end: str
) -> None:
    source = builder.source
    if shape.inline_body is not None:
        body = shape.body_prefix + shape.inline_body + source.newline
        builder.replace_lines(
            guard.lineno, guard.lineno, shape.header + source.newline + at_start + body + at_end
        )
        return
    guarded = guarded_body(guard) or guard.body
    if at_start:
        builder.insert_lines(first_line(source, guarded[0]), at_start)
    if at_end:
        builder.insert_lines((guarded[-1].end_lineno or 0) + 1, at_end)


def extract_main(
    source: SourceText,
    tree: ast.Module,
    moved: Sequence[ast.stmt],
    guard: ast.If | None,
    barriers: Sequence[ast.stmt] = (),
) -> Fix | None:
    """Move the statements (and an existing guard's body) into a new `def main():` called from
    the guard (SPG101, second choice).

    Names the moved code binds that other code reads (functions, classes, kept statements) are
    declared `global` so they stay module attributes. When the module already binds `main`
    (or uses the name anywhere) there is no fix: such a script already has an entry point,
    and wrapping its call in the guard (the preferred fix) is the right change.
    """
    unit = indent_unit(source, tree)  # first: it reads the text facts from the tree
    guard = _usable(guard)
    if guard is not None and not guard_polarity(guard):
        return None  # the guarded part is an `else` branch
    plan = _plan(source, tree, moved, guard, barriers)
    if plan is None or not (plan.before or plan.after or guard is not None):
        return None
    if MAIN_NAME in module_facts(tree).identifiers:
        return None
    nl = source.newline
    shape = _guard_shape(source, guard, unit) if guard is not None else None
    if guard is not None and (shape is None or guard.orelse):
        return None
    moved_nodes = [*moved, *(guard.body if guard is not None else [])]
    moved_facts = scope_facts(moved_nodes)
    if moved_facts.star_import or moved_facts.declared_global or moved_facts.declared_nonlocal:
        return None  # not allowed, or not the same, inside a function
    global_names = sorted(moved_facts.bound & _names_used_elsewhere(tree, moved_nodes, guard))

    def render() -> str:
        body = _runs_text(source, plan.before, unit)
        if guard is not None and shape is not None:
            body += _guard_body_text(source, guard, shape, unit)
        body += _runs_text(source, plan.after, unit)
        declaration = f"{unit}global {', '.join(global_names)}{nl}" if global_names else ""
        header = shape.header if shape is not None else GUARD_HEADER
        return (f"def {MAIN_NAME}():{nl}{declaration}{body}{nl}{nl}"
                f"{header}{nl}{unit}{MAIN_NAME}(){nl}")

    builder = EditBuilder(source)
    if guard is None:
        _place_new_block(builder, tree, plan.before, render, 2, plan.insert_index)
    else:
        for run in (*plan.before, *plan.after):
            builder.delete_statement(run.span)
        builder.replace_lines(guard.lineno, guard.end_lineno or guard.lineno, render())
    return builder.fix(EXTRACT_TITLE)


def _names_used_elsewhere(
    tree: ast.Module, moved_nodes: list[ast.stmt], guard: ast.If | None
) -> set[str]:
    """Names read or bound by module code other than the moved statements (any scope), and
    names some function declares `global`: if the moved code binds one, it must stay global."""
    moved_ids = {id(node) for node in moved_nodes}
    if guard is not None:
        moved_ids.add(id(guard))
    outside = [s for s in tree.body if id(s) not in moved_ids]
    names = set(module_facts(tree).declared_global) | bound_names(outside)
    for statement in outside:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
    return names


def move_into_guard(
    source: SourceText, tree: ast.Module, statement: ast.stmt, guard: ast.If | None
) -> Fix | None:
    """Move one statement (SPG102's `set_start_method(...)`) to the start of the guard's body,
    or, without a usable guard, wrap it where it stands in a guard of its own."""
    unit = indent_unit(source, tree)  # first: it reads the text facts from the tree
    span = statement_span(source, statement)
    if span is None:
        return None
    if guard is not None and guard.lineno <= statement.lineno <= (guard.end_lineno or 0):
        return None  # already inside
    builder = EditBuilder(source)
    usable_guard = (
        guard is not None
        and index_in(tree.body, guard) is not None
        and index_in(tree.body, statement) is not None
    )
    shape = _guard_shape(source, guard, unit) if usable_guard and guard is not None else None
    if guard is not None and shape is not None:
        builder.delete_statement(span)
        _add_to_guard(builder, guard, shape, reindent(source, span, "", shape.body_prefix), "")
    else:
        start = code_start_line(statement)
        indent = indentation(source, start)
        moved = reindent(source, LineSpan(start, span.last), indent, indent + unit)
        builder.replace_lines(start, span.last, indent + GUARD_HEADER + source.newline + moved)
    return builder.fix(MOVE_TITLE, preferred=True)


def rewrite_guard_condition(source: SourceText, if_node: ast.If) -> Fix:
    """Replace a broken guard's condition with `__name__ == "__main__"` (SPG301), keeping the
    quote style it used. In `broken and other`, only the operand that tests `__name__` is
    replaced, so the other conditions still apply."""
    test = if_node.test
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        about_name = [operand for operand in test.values if _mentions_name(operand)]
        if len(about_name) == 1:
            test = about_name[0]
    quote = '"'
    for node in ast.walk(test):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            written = source.slice(source.node_range(node)).lstrip("rRuUbBfF")
            if written[:1] in {"'", '"'}:
                quote = written[0]
            break
    edit = TextEdit(source.node_range(test), f"__name__ == {quote}__main__{quote}")
    return Fix(REWRITE_TITLE, (edit,), preferred=True)


def _mentions_name(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(node))
