"""SPG202: move a def/class out of the main guard to module level, where a spawn child (which
re-imports the script without running the guard) can find it when unpickling."""

from __future__ import annotations

import ast

from spawnguard.analysis.findings import Fix
from spawnguard.analysis.source import SourceText
from spawnguard.fixes.names import (
    Definition,
    bound_names,
    definition_reads,
    definition_time_reads,
    index_in,
)
from spawnguard.fixes.statements import (
    EditBuilder,
    blank_lines_above,
    first_line,
    indentation,
    reindent,
    statement_span,
)
from spawnguard.fixes.text import string_continuation_lines


def move_out_of_guard(
    source: SourceText, tree: ast.Module, definition: Definition, guard: ast.If
) -> Fix | None:
    """Move `definition` from the guard's body to just above the guard, one level less indented,
    with its decorators and the comments directly above it.

    No fix when the definition reads a name that only the guard binds (the child would not
    have it), when its decorators, defaults or bases read a name the guard binds (they would
    see another value), or when its name is bound elsewhere at module level (moving it would
    change which object that name means before the guard runs).
    """
    string_continuation_lines(source, tree)  # reads the text facts from the tree, once
    if index_in(tree.body, guard) is None or index_in(guard.body, definition) is None:
        return None
    outside_guard = [s for s in tree.body if s is not guard]
    others_in_guard = [s for s in guard.body if s is not definition]
    if definition.name in bound_names([*outside_guard, *others_in_guard, *guard.orelse]):
        return None
    bound_in_guard = bound_names(guard.body) - {definition.name}
    only_in_guard = bound_in_guard - bound_names([*outside_guard, *guard.orelse])
    if definition_reads(definition) & only_in_guard:
        return None
    if definition_time_reads(definition) & bound_in_guard:
        return None  # a decorator or default would see the module's value, not the guard's
    span = statement_span(source, definition)
    if span is None:
        return None
    prefix = indentation(source, definition.lineno)
    guard_start = first_line(source, guard)
    nl = source.newline
    builder = EditBuilder(source)
    moved = reindent(source, span, prefix, "")
    builder.insert_lines(guard_start, blank_lines_above(source, guard_start, 2) + moved + nl + nl)
    if len(guard.body) == 1:
        builder.replace_lines(span.first, span.last, prefix + "pass" + nl)
    else:
        builder.delete_statement(span)
    return builder.fix(f"Move {definition.name} to module level", preferred=True)
