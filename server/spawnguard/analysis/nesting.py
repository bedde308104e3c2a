"""How deeply a statement nests, and the limit the analysis takes.

The model and the fixes walk the tree recursively: a statement nested more than `MAX_NESTING`
levels deep (a chain of hundreds of `elif`s, `a + b + ...` over hundreds of terms, lambdas
inside lambdas) would exhaust Python's recursion limit, so it is treated like a statement that
does not parse (SPG000). Python itself refuses more than 100 levels of indentation and 200 of
brackets; real code stays far below either.
"""

from __future__ import annotations

import ast

MAX_NESTING = 100


class StatementTooDeep(Exception):
    """Raised by the scope walk for a top-level statement nested more than `MAX_NESTING`
    levels deep: the caller parses again with the statement left out."""

    def __init__(self, statement: ast.stmt) -> None:
        super().__init__(f"line {statement.lineno}: nested more than {MAX_NESTING} levels")
        self.statement = statement


def nesting_exceeds(node: ast.AST, limit: int) -> bool:
    """Whether the tree below `node` is more than `limit` levels deep (walked without
    recursion). A node on one line shorter than half its remaining budget in characters is not
    walked: below it, no AST level takes less than half a character."""
    if _shallow(node, limit - 1):
        return False
    pending: list[tuple[ast.AST, int]] = [(node, 1)]
    while pending:
        current, depth = pending.pop()
        if depth > limit:
            return True
        child_depth = depth + 1
        room = limit - child_depth
        pending.extend((child, child_depth) for child in ast.iter_child_nodes(current)
                       if not _shallow(child, room))
    return False


def _shallow(node: ast.AST, room: int) -> bool:
    """Whether `node` sits on one line and is too short to nest `room` levels below it."""
    line = getattr(node, "lineno", None)
    return (line is not None and line == node.end_lineno  # type: ignore[attr-defined]
            and node.__class__ is not ast.JoinedStr
            and 0 <= 2 * (node.end_col_offset - node.col_offset) + 2  # type: ignore[attr-defined]
            < room)


def too_deep(tree: ast.Module) -> ast.stmt | None:
    """The first top-level statement nested more than `MAX_NESTING` levels deep."""
    return next((s for s in tree.body if nesting_exceeds(s, MAX_NESTING)), None)
