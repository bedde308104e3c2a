"""`set_start_method()` runs while the script is being imported.

## What happens
A spawned child re-runs the main script's top level after multiprocessing has already set
its start method (to the parent's). A `multiprocessing.set_start_method("spawn")` (or
`torch.multiprocessing.set_start_method`) at module level therefore runs a second time in
every child and stops it with:

```
RuntimeError: context has already been set
```

The parent sees its workers die (`DataLoader worker … exited unexpectedly`,
`BrokenProcessPool`, a `Process` with exit code 1). `force=True` avoids the error (also given
positionally, `set_start_method("spawn", True)`), and `set_start_method("fork")` is not re-run
(forked children do not re-import the script).

Two idioms make the re-run harmless, and are not reported:

- the call sits in a `try` whose handler catches the error (`except RuntimeError`,
  `except Exception`, `except BaseException` or a bare `except`) and does not raise again;
- the call sits in an `if` that runs it only while no method is set:
  `if mp.get_start_method(allow_none=True) is None:` (also `== None`, `not …`, or such a test
  joined to others with `and`; or the `else` of `is not None` / `!= None` / the bare call).
  The child's method is set before it re-runs the script, so the test is false there.

A `force` that is not the literal `True` (a variable, `False`) counts as not forced.

## Fix
Call it once, in the parent: move the call to the top of `if __name__ == "__main__":`
(quick fix *Move into `if __name__ == "__main__":`*), before anything starts workers.

```python
if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, LazyFixes, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.scopes import Located, Scope, own_nodes
from spawnguard.analysis.workers import argument
from spawnguard.rules.base import Rule
from spawnguard.rules.common import chain_related
from spawnguard.rules.fixing import move_into_guard_fixes


def _forced(call: ast.Call) -> bool:
    """`force=True`, by keyword or as the second positional argument (anything else, a
    variable included, counts as not forced)."""
    force = argument(call, "force", 1)
    return isinstance(force, ast.Constant) and force.value is True


# Handlers that catch "RuntimeError: context has already been set".
_CATCHING = frozenset({"builtins.RuntimeError", "builtins.Exception", "builtins.BaseException"})
_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _path_to(root: ast.AST, target: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(ancestor, its child on the way) pairs from `root` down to `target`, innermost last;
    only the part inside the innermost function (what runs when that function runs)."""
    pending: list[tuple[ast.AST, list[tuple[ast.AST, ast.AST]]]] = [(root, [])]
    while pending:
        node, path = pending.pop()
        if node is target:
            inner = [i for i, (a, _) in enumerate(path) if isinstance(a, _FUNCTION_NODES)]
            return path[inner[-1] + 1:] if inner else path
        pending.extend((child, [*path, (node, child)]) for child in ast.iter_child_nodes(node))
    return []


def _in(child: ast.AST, statements: list[ast.stmt]) -> bool:
    return any(statement is child for statement in statements)


def _raises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(node, ast.Raise) for node in own_nodes(*handler.body))


def _catches(model: ModuleModel, handler: ast.ExceptHandler, scope: Scope) -> bool:
    if _raises(handler):
        return False
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(model.qualname_of(t, scope) in _CATCHING for t in types)


def _get_start_method_unset(model: ModuleModel, node: ast.expr, scope: Scope) -> bool:
    """`get_start_method(allow_none=True)`: None exactly when no method is set yet."""
    if not isinstance(node, ast.Call):
        return False
    if model.qualname_of(node.func, scope) != "multiprocessing.get_start_method":
        return False
    allow_none = argument(node, "allow_none", 0)
    return isinstance(allow_none, ast.Constant) and allow_none.value is True


def _compared_to_none(model: ModuleModel, test: ast.expr, scope: Scope,
                      operators: tuple[type[ast.cmpop], ...]) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], operators)):
        return False
    left, right = test.left, test.comparators[0]
    if isinstance(left, ast.Constant) and left.value is None:
        left, right = right, left
    return (isinstance(right, ast.Constant) and right.value is None
            and _get_start_method_unset(model, left, scope))


def _true_only_when_unset(model: ModuleModel, test: ast.expr, scope: Scope) -> bool:
    """`G is None`, `G == None`, `not G`, or an `and` with one of these (G: the call above)."""
    pending = [test]  # `and`s nest: their operands are checked from a worklist, in order
    while pending:
        current = pending.pop()
        if isinstance(current, ast.BoolOp) and isinstance(current.op, ast.And):
            pending.extend(reversed(current.values))
        elif isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.Not):
            if _get_start_method_unset(model, current.operand, scope):
                return True
        elif _compared_to_none(model, current, scope, (ast.Is, ast.Eq)):
            return True
    return False


def _false_only_when_unset(model: ModuleModel, test: ast.expr, scope: Scope) -> bool:
    """`G is not None`, `G != None`, or `G` itself (a method name is never empty)."""
    return (_get_start_method_unset(model, test, scope)
            or _compared_to_none(model, test, scope, (ast.IsNot, ast.NotEq)))


def _harmless_in_child(model: ModuleModel, located: Located) -> bool:
    """Whether the code around `located` keeps a re-run in a spawn child from failing: a `try`
    that catches the RuntimeError, or an `if` that skips it once a method is set."""
    for ancestor, child in _path_to(located.top_statement, located.node):
        if isinstance(ancestor, ast.Try) and _in(child, ancestor.body):
            if any(_catches(model, h, located.scope) for h in ancestor.handlers):
                return True
        elif isinstance(ancestor, ast.If):
            if _in(child, ancestor.body) and _true_only_when_unset(
                    model, ancestor.test, located.scope):
                return True
            if _in(child, ancestor.orelse) and _false_only_when_unset(
                    model, ancestor.test, located.scope):
                return True
    return False


def check(model: ModuleModel) -> Iterator[Finding]:
    for located, method in model.worker_facts.start_method_calls:
        call = located.node
        assert isinstance(call, ast.Call)
        if _forced(call) or method == "fork":
            continue
        execution = model.execution(located)
        if not execution.at_import:
            continue
        if _harmless_in_child(model, located) or any(
                _harmless_in_child(model, edge.call) for edge in execution.chain):
            continue
        chain = [f"{edge.callee.name}()" for edge in execution.chain]
        where = f" ({' → '.join(chain)})" if chain else ""
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"set_start_method() runs at import time{where}: every spawned child re-runs "
                "it after its start method is set and dies with RuntimeError: context has "
                'already been set. Call it under `if __name__ == "__main__":` (or pass '
                "force=True)."
            ),
            range=model.range(call),
            related=chain_related(model, execution),
            fixes=() if chain else LazyFixes(
                lambda statement=located.top_statement: move_into_guard_fixes(model, statement)),
        )


RULE = Rule(
    code="SPG102",
    name="start-method-at-import",
    default_severity=Severity.ERROR,
    summary="set_start_method() runs while the script is being imported.",
    worker_effect=(
        "Each spawned worker re-runs this call while importing the script and dies: "
        "`RuntimeError: context has already been set`."
    ),
    fix_summary='Call it once, at the top of `if __name__ == "__main__":` (quick fix, Ctrl+.).',
    check=check,
    prefilter=may_start_workers,
)
