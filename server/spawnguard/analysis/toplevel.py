"""The module's own statements: which are cheap definitions and which do work at import.

Under spawn every worker re-runs the script's top level, so the statements that do work
there run once per worker. The guard fix moves them under the main guard, except those whose
names the code running in workers reads (moving those would break workers with NameError).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from spawnguard.analysis.guard import GuardKind
from spawnguard.analysis.scopes import Definition, Scope, names_loaded_in

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel

# Calls cheap and side-effect free enough to count as constant definitions.
_CHEAP_CALLS = frozenset({
    "logging.getLogger", "typing.TypeVar", "typing.NewType", "typing.NamedTuple",
    "collections.namedtuple", "pathlib.Path", "os.getenv", "os.environ.get",
    "os.path.join", "os.path.dirname", "os.path.abspath", "os.path.basename",
    "os.path.expanduser", "re.compile", "functools.partial", "dataclasses.field",
    "builtins.object", "builtins.frozenset", "builtins.set", "builtins.tuple",
    "builtins.dict", "builtins.list", "builtins.str", "builtins.int", "builtins.float",
    "builtins.bool", "builtins.range", "torch.device", "enum.auto", "typing.cast",
})


def is_cheap(model: ModuleModel, expr: ast.expr | None) -> bool:
    """Constant-like expressions: literals, names, and containers/operations of them."""
    if expr is None or isinstance(expr, ast.Constant | ast.Name | ast.Lambda):
        return True
    if isinstance(expr, ast.Attribute):
        return is_cheap(model, expr.value)
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return all(is_cheap(model, e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(is_cheap(model, e) for e in (*expr.keys, *expr.values) if e is not None)
    if isinstance(expr, ast.BinOp):
        return is_cheap(model, expr.left) and is_cheap(model, expr.right)
    if isinstance(expr, ast.UnaryOp):
        return is_cheap(model, expr.operand)
    if isinstance(expr, ast.BoolOp):
        return all(is_cheap(model, e) for e in expr.values)
    if isinstance(expr, ast.Compare):
        return all(is_cheap(model, e) for e in (expr.left, *expr.comparators))
    if isinstance(expr, ast.Subscript):
        return is_cheap(model, expr.value) and is_cheap(model, expr.slice)
    if isinstance(expr, ast.Starred):
        return is_cheap(model, expr.value)
    if isinstance(expr, ast.JoinedStr):
        return all(is_cheap(model, getattr(v, "value", None)) for v in expr.values)
    if isinstance(expr, ast.FormattedValue):
        return is_cheap(model, expr.value)
    if isinstance(expr, ast.Call):
        qualname = model.qualname_of(expr.func, model.module_scope)
        return qualname in _CHEAP_CALLS and all(
            is_cheap(model, a) for a in (*expr.args, *(k.value for k in expr.keywords)))
    return False


def does_work(model: ModuleModel, statement: ast.stmt) -> bool:
    """True for a module-level statement that does more than import, define or assign
    constants (a correct main guard does no work at import)."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.FunctionDef
                  | ast.AsyncFunctionDef | ast.ClassDef | ast.Pass | ast.Global):
        return False
    if isinstance(statement, ast.Expr):
        return not isinstance(statement.value, ast.Constant)  # docstrings, `...`
    if isinstance(statement, ast.Assign):
        return not is_cheap(model, statement.value)
    if isinstance(statement, ast.AnnAssign):
        return not is_cheap(model, statement.value)
    if isinstance(statement, ast.If):
        verdict = model.guard_kind(statement)
        if verdict is GuardKind.GUARD:
            return any(does_work(model, s) for s in statement.orelse)
        if verdict is GuardKind.INVERSE:
            return any(does_work(model, s) for s in statement.body)
        return not is_cheap(model, statement.test) or any(
            does_work(model, s) for s in (*statement.body, *statement.orelse))
    if isinstance(statement, ast.Try):
        parts = [*statement.body, *statement.orelse, *statement.finalbody]
        parts += [s for handler in statement.handlers for s in handler.body]
        return any(does_work(model, s) for s in parts)
    return True


def work_statements(model: ModuleModel) -> list[ast.stmt]:
    return [s for s in model.tree.body if model.is_import_region(s) and does_work(model, s)]


def _bound_names(statement: ast.stmt) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _loaded_names(statement: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def worker_definitions(model: ModuleModel) -> set[Definition]:
    """Functions and classes of this file whose code runs in worker processes."""
    roots: set[Definition] = set()
    for start in model.worker_starts:
        for sent in start.sent:
            value = model.infer(sent.expr, sent.scope)
            while value.of is not None and value.kind in ("instance", "partial",
                                                          "bound_method"):
                if value.definition is not None:
                    roots.add(value.definition)
                value = value.of
            if value.definition is not None:
                roots.add(value.definition)
    reached: set[Definition] = set()
    pending = list(roots)
    while pending:
        current = pending.pop()
        if current in reached:
            continue
        reached.add(current)
        if current.is_class:
            for cls in model.class_lineage(current):
                pending.extend(d for d in model.index.definitions if d.parent is cls.scope)
        pending.extend(edge.callee for edge in model.call_graph.edges_from(current))
    # Everything nested inside a reached definition runs there too.
    for definition in model.index.definitions:
        if _inside_any(definition.scope, reached):
            reached.add(definition)
    return reached


def _inside_any(scope: Scope, definitions: set[Definition]) -> bool:
    current: Scope | None = scope
    while current is not None:
        if current.definition is not None and current.definition in definitions:
            return True
        current = current.parent
    return False


def worker_read_names(model: ModuleModel) -> set[str]:
    """Module-level names that code running in workers reads."""
    reached = worker_definitions(model)
    names: set[str] = set()
    for definition in reached:
        for node, scope in names_loaded_in(model.index, definition):
            binding = model.resolve(node.id, scope, node)
            if binding is not None and binding.scope is model.module_scope:
                names.add(node.id)
    return names


def statements_to_guard(model: ModuleModel) -> list[ast.stmt]:
    """Module-level statements the guard fix moves: the work, minus what workers need.

    A statement stays at top level when it binds a name that worker code reads, or that a
    statement staying at top level reads (transitively).
    """
    if "statements_to_guard" in model.memo:
        return model.memo["statements_to_guard"]
    work = work_statements(model)
    needed = worker_read_names(model)
    guards = {id(g) for g in model.index.guards}
    # Statements that stay at top level and so run in every child too.
    kept_statements = [s for s in model.tree.body
                       if s not in work and id(s) not in guards and model.is_import_region(s)]
    for statement in kept_statements:
        needed |= _loaded_names(statement) if not isinstance(
            statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ) else _definition_time_names(statement)
    moved = list(work)
    changed = True
    while changed:
        changed = False
        for statement in list(moved):
            if _bound_names(statement) & needed:
                moved.remove(statement)
                needed |= _loaded_names(statement)
                changed = True
    model.memo["statements_to_guard"] = moved
    return moved


def _definition_time_names(statement: ast.stmt) -> set[str]:
    """Names a def/class statement reads when it runs: decorators, defaults, bases, body of
    a class."""
    names: set[str] = set()
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        parts: list[ast.AST] = [*statement.decorator_list, *statement.args.defaults,
                                *(d for d in statement.args.kw_defaults if d is not None)]
    elif isinstance(statement, ast.ClassDef):
        parts = [*statement.decorator_list, *statement.bases,
                 *(k.value for k in statement.keywords)]
        for item in statement.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names |= _definition_time_names(item)
            else:
                parts.append(item)
    else:
        return names
    for part in parts:
        names |= {n.id for n in ast.walk(part)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return names
