"""Glue between rules and the fix engine: which fixes a finding offers."""

from __future__ import annotations

import ast

from spawnguard.analysis.findings import Fix
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import PickleProblem
from spawnguard.analysis.toplevel import kept_work, statements_to_guard
from spawnguard.fixes.guard import (
    extract_main,
    move_into_guard,
    plain_guard,
    rewrite_guard_condition,
    wrap_in_guard,
)
from spawnguard.fixes.lift import lift_lambda, lift_nested
from spawnguard.fixes.move_out_of_guard import move_out_of_guard


def guard_fixes(model: ModuleModel, required: ast.stmt) -> tuple[Fix, ...]:
    """Wrap the module's import-time work in the main guard (preferred), or extract main.

    Offered only when the statement that causes the finding (`required`) is among the moved
    ones: otherwise the fix would not repair it. The statements go into the first plain main
    guard (`__name__ == "__main__"`, or the `else` of its negation), never into one with
    more conditions; the work that stays at top level keeps its place in the order.
    """
    moved = statements_to_guard(model)
    if not any(statement is required for statement in moved):
        return ()
    if "guard_fixes" not in model.memo:
        guard, barriers = plain_guard(model.tree), kept_work(model)
        fixes = [wrap_in_guard(model.source, model.tree, moved, guard, barriers),
                 extract_main(model.source, model.tree, moved, guard, barriers)]
        model.memo["guard_fixes"] = tuple(f for f in fixes if f is not None)
    return model.memo["guard_fixes"]


def move_into_guard_fixes(model: ModuleModel, statement: ast.stmt) -> tuple[Fix, ...]:
    moved = statements_to_guard(model)
    if len(moved) > 1 and any(s is statement for s in moved):
        # Other import-time work moves too: one wrap keeps their order (a Pool created
        # before the call would otherwise fix the start method first).
        return guard_fixes(model, statement)[:1]
    guard = plain_guard(model.tree, inverted=False)
    fix = move_into_guard(model.source, model.tree, statement, guard)
    return (fix,) if fix else ()


def lift_fixes(model: ModuleModel, problem: PickleProblem) -> tuple[Fix, ...]:
    """SPG201: give a lambda, nested function or local class a module-level name."""
    definition = problem.definition
    if definition is None:
        return ()
    local_names = model.names_unavailable_in_child(definition)
    node = definition.node
    if isinstance(node, ast.Lambda):
        fix = lift_lambda(model.source, model.tree, node, _name_hint(problem.sent.role),
                          local_names)
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        fix = lift_nested(model.source, model.tree, node, local_names)
    else:
        fix = None
    return (fix,) if fix else ()


def _name_hint(role: str) -> str:
    hint = role.replace(" ", "_")
    return {"target": "worker", "task_function": "task", "fn": "worker",
            "task_argument": "task_argument", "dataset": "dataset"}.get(hint, hint)


def move_out_of_guard_fixes(model: ModuleModel, problem: PickleProblem) -> tuple[Fix, ...]:
    """SPG202: move a definition from the guard's body to just above the guard."""
    definition = problem.definition
    guard = model.main_guard
    if definition is None or guard is None or not any(
            s is definition.node for s in guard.body):
        return ()
    node = definition.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    fix = move_out_of_guard(model.source, model.tree, node, guard)
    return (fix,) if fix else ()


def rewrite_guard_fixes(model: ModuleModel, if_node: ast.If) -> tuple[Fix, ...]:
    return (rewrite_guard_condition(model.source, if_node),)
