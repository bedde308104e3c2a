"""The module's own statements: which are cheap definitions and which do work at import.

Under spawn every worker re-runs the script's top level, so the statements that do work
there run once per worker. The guard fix moves them under the main guard, except those whose
names the code running in workers reads (moving those would break workers with NameError).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from spawnguard.analysis.calls import callee_of
from spawnguard.analysis.guard import GuardKind, guarded_cases, guarded_parts
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
    # Every part must be cheap: the parts are checked from a worklist, not by recursion.
    pending: list[object] = [expr]
    while pending:
        part = pending.pop()
        if part is None or isinstance(part, ast.Constant | ast.Name | ast.Lambda):
            continue
        if isinstance(part, ast.Attribute | ast.Starred | ast.FormattedValue):
            pending.append(part.value)
        elif isinstance(part, ast.Tuple | ast.List | ast.Set):
            pending.extend(part.elts)
        elif isinstance(part, ast.Dict):
            pending.extend(e for e in (*part.keys, *part.values) if e is not None)
        elif isinstance(part, ast.BinOp):
            pending += (part.left, part.right)
        elif isinstance(part, ast.UnaryOp):
            pending.append(part.operand)
        elif isinstance(part, ast.BoolOp):
            pending.extend(part.values)
        elif isinstance(part, ast.Compare):
            pending += (part.left, *part.comparators)
        elif isinstance(part, ast.Subscript):
            pending += (part.value, part.slice)
        elif isinstance(part, ast.JoinedStr):
            # A literal part's value is a str, which is not cheap: only `f"{name}"` is.
            pending.extend(getattr(v, "value", None) for v in part.values)
        elif isinstance(part, ast.Call) and model.qualname_of(
                part.func, model.module_scope) in _CHEAP_CALLS:
            pending += (*part.args, *(k.value for k in part.keywords))
        else:
            return False
    return True


def does_work(model: ModuleModel, statement: ast.stmt, follow_calls: bool = True) -> bool:
    """True for a module-level statement that does more than import, define or assign
    constants (a correct main guard does no work at import, nor does a call of a function of
    this file whose whole body is under one, with `follow_calls`)."""
    # Work anywhere is work: the nested statements (and, through calls, the bodies of the
    # functions called) are checked from a worklist. A function already on it adds nothing
    # (`def run(): ... run()`).
    pending: list[tuple[ast.stmt, bool]] = [(statement, follow_calls)]
    functions_seen: set[int] = set()
    while pending:
        current, follow = pending.pop()
        found = _own_work(model, current, follow)
        if found is True:
            return True
        if isinstance(found, ast.FunctionDef):
            if id(found) not in functions_seen:
                functions_seen.add(id(found))
                pending.extend((s, False) for s in reversed(found.body))
        elif found:
            pending.extend((s, True) for s in reversed(found))
    return False


def _own_work(model: ModuleModel, statement: ast.stmt,
              follow_calls: bool) -> bool | list[ast.stmt] | ast.FunctionDef:
    """Whether `statement` does work itself (True / False), or what decides it: the
    statements it holds (work when one of them does), or an idle-looking function it calls
    (work when the function's statements do)."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.FunctionDef
                  | ast.AsyncFunctionDef | ast.ClassDef | ast.Pass | ast.Global):
        return False
    if id(statement) in _import_time_start_statements(model):
        return True  # `batches = list(loader)` reads like a constant, but starts the workers
    if isinstance(statement, ast.Expr):
        parts = _unguarded_parts(statement.value)
        if parts is not None:  # `__name__ == "__main__" and main()`
            return not all(is_cheap(model, part) for part in parts)
        if follow_calls and isinstance(statement.value, ast.Call):
            return _idle_looking_callee(model, statement.value) or True
        return not isinstance(statement.value, ast.Constant)  # docstrings, `...`
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        parts = _unguarded_parts(statement.value)
        return not all(is_cheap(model, part) for part in parts or [statement.value])
    if isinstance(statement, ast.If):
        verdict = model.guard_verdict(statement)
        if verdict.kind is GuardKind.GUARD:
            return statement.orelse
        if verdict.else_guarded:
            return statement.body
        return not is_cheap(model, statement.test) or [*statement.body, *statement.orelse]
    if isinstance(statement, ast.Match):
        cases = [case for case, guarded in zip(statement.cases, guarded_cases(statement),
                                               strict=True) if not guarded]
        if not is_cheap(model, statement.subject) or not all(
                is_cheap(model, case.guard) for case in cases):
            return True
        return [s for case in cases for s in case.body]
    if isinstance(statement, ast.Try):
        parts = [*statement.body, *statement.orelse, *statement.finalbody]
        parts += [s for handler in statement.handlers for s in handler.body]
        return parts
    return True


def _import_time_start_statements(model: ModuleModel) -> set[int]:
    """The module-level statements that hold a worker start run at import."""
    statements = model.memo.get("import_time_start_statements")
    if statements is None:
        statements = {id(start.located.top_statement) for start in model.worker_starts
                      if start.located.region == "import"}
        model.memo["import_time_start_statements"] = statements
    return statements


def _idle_looking_callee(model: ModuleModel, call: ast.Call) -> ast.FunctionDef | None:
    """For `run()` with cheap arguments, where `run` is an undecorated module-level function
    of this file, the function: the call does no work when its statements do none outside a
    main guard (`def run(): if __name__ == …`)."""
    callee = callee_of(model, call, model.module_scope)
    if callee is None or callee.parent is not model.module_scope or not isinstance(
            callee.node, ast.FunctionDef):
        return None  # a class (its `__init__`), a method, a lambda
    node = callee.node
    arguments = [*call.args, *(k.value for k in call.keywords)]
    if node.decorator_list or not all(is_cheap(model, a) for a in arguments):
        return None
    return node


def _unguarded_parts(expr: ast.expr | None) -> list[ast.expr] | None:
    """The parts of an expression that run in a spawned child when a main guard keeps the
    others out of it (`main() if __name__ == "__main__" else None`); None without one."""
    parts = guarded_parts(expr) if expr is not None else None
    if parts is None or not any(guarded for _, guarded in parts):
        return None
    return [part for part, guarded in parts if not guarded]


def work_statements(model: ModuleModel) -> list[ast.stmt]:
    return [s for s in model.tree.body if model.is_import_region(s) and does_work(model, s)]


def _stores_into_object(statement: ast.stmt) -> bool:
    """`d["a"] = 1`, `obj.x: int = 2`: an assignment that mutates an object rather than
    defining a name."""
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target] if statement.value is not None else []
    else:
        return False
    return any(isinstance(node, ast.Subscript | ast.Attribute)
               for target in targets for node in ast.walk(target))


def fix_work_statements(model: ModuleModel) -> list[ast.stmt]:
    """The work the guard fix moves (unless workers need it): `work_statements` and the
    assignments into objects (`d["a"] = 1`), which are not definitions of names."""
    return [s for s in model.tree.body if model.is_import_region(s)
            and (does_work(model, s) or _stores_into_object(s))]


# Methods that only read their object: calling one writes nothing.
_READING_METHODS = frozenset({
    "get", "keys", "values", "items", "copy", "count", "index", "find", "rfind", "format",
    "join", "split", "rsplit", "splitlines", "startswith", "endswith", "strip", "lstrip",
    "rstrip", "lower", "upper", "encode", "decode", "replace", "isdigit", "isalpha",
    "__getitem__", "__contains__", "__len__", "__iter__", "__repr__", "__str__",
})


def root_name(node: ast.expr) -> str | None:
    """The name an attribute/subscript chain starts from: `d` in `d.x[1].y`."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def mutated_names(nodes: list[ast.stmt] | list[ast.AST], imported: frozenset[str] | set[str]
                  ) -> set[str]:
    """Names whose objects `nodes` may change without rebinding them: stores and deletes into
    their items or attributes, augmented assignments to those, and method calls on them (but
    not on imported modules, and not the methods that only read)."""
    names: set[str] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            # Its body runs when called: only what defining it evaluates counts.
            pending += [*getattr(node, "decorator_list", ()), *node.args.defaults,
                        *(d for d in node.args.kw_defaults if d is not None)]
            continue
        pending.extend(ast.iter_child_nodes(node))
        root = None
        if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(
                node.ctx, ast.Store | ast.Del):
            root = root_name(node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr not in _READING_METHODS):
            root = root_name(node.func.value)
            if root in imported:
                root = None
        if root is not None:
            names.add(root)
    return names


def imported_names(tree: ast.Module) -> set[str]:
    return {(alias.asname or alias.name).split(".")[0] for statement in tree.body
            if isinstance(statement, ast.Import | ast.ImportFrom) for alias in statement.names}


def function_global_writes(tree: ast.Module, imported: set[str]) -> dict[str, set[str]]:
    """For each module-level function, the module names calling it may write: those it
    declares `global` and binds, those it mutates without binding them locally, and (through
    calls by name) what the module's other functions it calls write."""
    direct: dict[str, set[str]] = {}
    callees: dict[str, set[str]] = {}
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        declared: set[str] = set()
        bound: set[str] = set()
        called: set[str] = set()
        for node in ast.walk(statement):
            if isinstance(node, ast.Global):
                declared.update(node.names)
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                called.add(node.func.id)
        parameters = {a.arg for a in ast.walk(statement.args) if isinstance(a, ast.arg)}
        local = (bound | parameters) - declared
        direct[statement.name] = (declared & bound) | (
            mutated_names(statement.body, imported) - local)
        callees[statement.name] = called
    writes = {name: set(names) for name, names in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, called in callees.items():
            for callee in called & writes.keys():
                if not writes[callee] <= writes[name]:
                    writes[name] |= writes[callee]
                    changed = True
    return writes


def written_names(statement: ast.stmt, imported: set[str],
                  function_writes: dict[str, set[str]]) -> set[str]:
    """Module names a module-level statement may write: binds, mutates, or writes through
    a call of this module's functions."""
    names = _bound_names(statement) | mutated_names([statement], imported)
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            names |= function_writes.get(node.func.id, set())
    return names


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

    A statement stays at top level when it may write a name that worker code reads, or that
    a statement staying at top level reads (transitively): when it binds the name, stores
    into or deletes from its items or attributes, calls a method on it, or calls a function
    of this module that writes it. Everything such a statement reads stays too; when that
    includes the worker start, the start is not moved and no guard fix is offered.
    """
    if "statements_to_guard" in model.memo:
        return model.memo["statements_to_guard"]
    work = fix_work_statements(model)
    imported = imported_names(model.tree)
    function_writes = function_global_writes(model.tree, imported)
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
            if written_names(statement, imported, function_writes) & needed:
                moved.remove(statement)
                needed |= _loaded_names(statement)
                changed = True
    model.memo["statements_to_guard"] = moved
    model.memo["kept_work"] = [s for s in work if not any(s is m for m in moved)]
    return moved


def kept_work(model: ModuleModel) -> list[ast.stmt]:
    """Work statements the guard fix leaves at top level (what workers need): the moved
    statements must not trade places with them."""
    statements_to_guard(model)
    return model.memo["kept_work"]


def _definition_time_names(statement: ast.stmt) -> set[str]:
    """Names a def/class statement reads when it runs: decorators, defaults, bases, body of
    a class (and so, of the definitions in it)."""
    parts: list[ast.AST] = []
    definitions = [statement]
    while definitions:
        definition = definitions.pop()
        if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
            parts += [*definition.decorator_list, *definition.args.defaults,
                      *(d for d in definition.args.kw_defaults if d is not None)]
        elif isinstance(definition, ast.ClassDef):
            parts += [*definition.decorator_list, *definition.bases,
                      *(k.value for k in definition.keywords)]
            for item in definition.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    definitions.append(item)
                else:
                    parts.append(item)
    return {n.id for part in parts for n in ast.walk(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
