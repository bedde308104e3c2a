"""Constant folding: the values an expression may have, when the file decides them.

Worker counts are often decided by module constants (`DEBUG = True`,
`NUM_WORKERS = 0 if DEBUG else 4`, `num_workers=min(4, NUM_WORKERS)`,
`workers = CONFIG["workers"]`). `possible_values` folds

- literals, `-x`/`not x`, arithmetic (`+ - * // %`), comparisons, `and`/`or`;
- conditional expressions (both branches when the test is not known);
- `min`/`max`/`int`/`abs` of the builtins (not when the name is rebound);
- lookups in literal dicts, tuples and lists (`CONFIG["workers"]`, `.get("workers", 2)`),
  when nothing in the file may change the container (see `_MutationScan`);
- names through their assignments: straight-line reassignments (the last one before the use
  wins), assignments in `if` blocks whose test folds (the branch taken), and otherwise every
  assignment that may be the one seen. A name bound in any other way (a loop, `+=`, an import,
  a parameter, `global` in a function) is unknown;
- an argparse option (`args.workers`) through its `default=` (None when it has none);
- what the model already infers to a literal.

The result is a finite tuple of possible values, or None when unknown. The evaluation is an
explicit work stack (no recursion), memoised per model, with a step budget.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spawnguard.analysis.scopes import Binding, Scope

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel

_MAX_VALUES = 16  # more possibilities than this: unknown
_MAX_STEPS = 20_000  # per query
_MAX_INT = 1 << 63
_SCALARS = (int, float, str, bool, type(None), bytes)
_MEMO_KEY = "constants"


@dataclass(frozen=True, eq=False)
class _Container:
    """A literal dict, tuple or list: its keys (dict) and its element expressions."""

    kind: str  # "dict" | "tuple" | "list"
    keys: tuple[object, ...]  # folded dict keys (one value each); () for sequences
    elements: tuple[ast.expr, ...]
    scope: Scope = field(repr=False)
    node: ast.expr = field(repr=False)
    # How many subscripts deep a mutable container sits in it (0: nothing mutable).
    mutable_depth: int = 0


class _Unknown:
    def __repr__(self) -> str:
        return "unknown"


_UNKNOWN = _Unknown()
# What a node folds to: a tuple of possible scalar values, one container, or unknown.
Folded = tuple[object, ...] | _Container | _Unknown
_Task = tuple[ast.expr, Scope]

_BINARY: dict[type, Callable[[object, object], object]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_COMPARE: dict[type, Callable[[object, object], object]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_FOLDED_CALLS: dict[str, Callable[..., object]] = {
    "builtins.min": min, "builtins.max": max, "builtins.int": int, "builtins.abs": abs,
}
# Calls that read a container without keeping or changing it.
_READING_CALLS = frozenset({"print", "len", "str", "repr", "format"})


def possible_values(model: ModuleModel, expr: ast.expr, scope: Scope) -> tuple[object, ...] | None:
    """The values `expr` may have (evaluated in `scope`), or None when the file does not decide
    them."""
    folded = _Folder(model).fold(expr, scope)
    return folded if isinstance(folded, tuple) else None


def count_text(values: tuple[object, ...] | None) -> str:
    """`4`, `2 or 4`: the values a count may have, for messages (`…` when unknown)."""
    if not values:
        return "…"
    try:
        shown = sorted(values)  # type: ignore[type-var]
    except TypeError:
        shown = list(values)
    return " or ".join(repr(v) for v in shown)


def _memo(model: ModuleModel) -> dict[tuple[int, int], Folded]:
    memo = model.memo.get(_MEMO_KEY)
    if memo is None:
        memo = model.memo[_MEMO_KEY] = {}
    return memo


def _key(task: _Task) -> tuple[int, int]:
    return (id(task[0]), id(task[1]))


def _combine(values: list[object]) -> Folded:
    """The distinct values, or unknown when there are too many."""
    distinct: list[object] = []
    for value in values:
        if not any(type(value) is type(d) and value == d for d in distinct):
            distinct.append(value)
            if len(distinct) > _MAX_VALUES:
                return _UNKNOWN
    return tuple(distinct)


class _Needs:
    """The tasks a step needs folded before it can finish."""

    __slots__ = ("tasks",)

    def __init__(self, tasks: list[_Task]) -> None:
        self.tasks = tasks


class _Folder:
    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self.memo = _memo(model)

    def fold(self, expr: ast.expr, scope: Scope) -> Folded:
        root: _Task = (expr, scope)
        stack = [root]
        active: set[tuple[int, int]] = set()
        steps = 0
        while stack:
            task = stack[-1]
            key = _key(task)
            if key in self.memo:
                stack.pop()
                continue
            steps += 1
            if steps > _MAX_STEPS:
                return _UNKNOWN
            active.add(key)
            outcome = self.step(*task)
            if not isinstance(outcome, _Needs):
                self.memo[key] = outcome
                stack.pop()
                continue
            missing = [t for t in outcome.tasks if _key(t) not in self.memo]
            if any(_key(t) in active for t in missing):
                self.memo[key] = _UNKNOWN  # a cycle (`A = B`, `B = A`)
                stack.pop()
                continue
            stack.extend(missing)
        return self.memo[_key(root)]

    def known(self, expr: ast.expr, scope: Scope) -> Folded | None:
        """The folded value if already computed (None: not yet)."""
        return self.memo.get((id(expr), id(scope)))

    # --- one step per node: a result, or the tasks it needs first ------------------------------

    def step(self, node: ast.expr, scope: Scope) -> Folded | _Needs:
        if isinstance(node, ast.Constant):
            return (node.value,) if isinstance(node.value, _SCALARS) else _UNKNOWN
        handler = _STEPS.get(type(node))
        if handler is not None:
            return handler(self, node, scope)
        return self.inferred(node, scope)

    def inferred(self, node: ast.expr, scope: Scope) -> Folded:
        """What the model infers, when that is a literal (an argparse default)."""
        value = self.model.infer(node, scope)
        if value.kind == "literal" and isinstance(value.literal, _SCALARS):
            return (value.literal,)
        return _UNKNOWN

    def gather(self, tasks: list[_Task]) -> list[Folded] | _Needs:
        """The folded values of `tasks`, or what is missing."""
        results = [self.known(*t) for t in tasks]
        missing = [t for t, r in zip(tasks, results, strict=True) if r is None]
        return _Needs(missing) if missing else results  # type: ignore[return-value]

    def scalars(self, tasks: list[_Task]) -> list[tuple[object, ...]] | _Needs | None:
        """Like `gather`, but None when one of them is not a tuple of scalars."""
        results = self.gather(tasks)
        if isinstance(results, _Needs):
            return results
        if not all(isinstance(r, tuple) for r in results):
            return None
        return results  # type: ignore[return-value]

    def truths(self, tests: list[_Task]) -> list[set[bool]] | _Needs:
        """Whether each test may be true and may be false (both when it is unknown)."""
        results = self.gather(tests)
        if isinstance(results, _Needs):
            return results
        return [{bool(v) for v in r} if isinstance(r, tuple) else {True, False}
                for r in results]

    def step_unary(self, node: ast.UnaryOp, scope: Scope) -> Folded | _Needs:
        results = self.scalars([(node.operand, scope)])
        if not isinstance(results, list):
            return _UNKNOWN if results is None else results
        if isinstance(node.op, ast.Not):
            return _combine([not v for v in results[0]])
        if isinstance(node.op, ast.USub | ast.UAdd) and all(
                isinstance(v, int | float) for v in results[0]):
            sign = -1 if isinstance(node.op, ast.USub) else 1
            return _combine([sign * v for v in results[0]])  # type: ignore[operator]
        return _UNKNOWN

    def step_binary(self, node: ast.BinOp, scope: Scope) -> Folded | _Needs:
        function = _BINARY.get(type(node.op))
        if function is None:
            return _UNKNOWN
        results = self.scalars([(node.left, scope), (node.right, scope)])
        if not isinstance(results, list):
            return _UNKNOWN if results is None else results
        return _apply_all(function, results[0], results[1])

    def step_compare(self, node: ast.Compare, scope: Scope) -> Folded | _Needs:
        operands = [node.left, *node.comparators]
        results = self.scalars([(o, scope) for o in operands])
        if not isinstance(results, list):
            return _UNKNOWN if results is None else results
        outcome: list[object] = [True]
        for op, left, right in zip(node.ops, results, results[1:], strict=False):
            function = _COMPARE.get(type(op))
            if function is None:
                return _UNKNOWN
            pair = _apply_all(function, left, right)
            if not isinstance(pair, tuple):
                return _UNKNOWN
            outcome = [a and b for a in outcome for b in pair]
        return _combine([bool(v) for v in outcome])

    def step_bool(self, node: ast.BoolOp, scope: Scope) -> Folded | _Needs:
        is_and = isinstance(node.op, ast.And)
        values: list[object] = []
        for position, operand in enumerate(node.values):
            results = self.scalars([(operand, scope)])
            if not isinstance(results, list):
                return _UNKNOWN if results is None else results
            last = position == len(node.values) - 1
            # An operand that decides the result is the result; the others go on.
            values += [v for v in results[0] if last or bool(v) != is_and]
            if last or all(bool(v) != is_and for v in results[0]):
                break
        return _combine(values)

    def step_if(self, node: ast.IfExp, scope: Scope) -> Folded | _Needs:
        truths = self.truths([(node.test, scope)])
        if isinstance(truths, _Needs):
            return truths
        branches = [b for b, truth in ((node.body, True), (node.orelse, False))
                    if truth in truths[0]]
        return self.union([(b, scope) for b in branches])

    def union(self, tasks: list[_Task], extra: list[object] | tuple[()] = ()) -> Folded | _Needs:
        """Every value any of `tasks` may have, and the `extra` values (one container only
        when all are it)."""
        results = self.gather(tasks)
        if isinstance(results, _Needs):
            return results
        if extra:
            results = [*results, tuple(extra)]
        if results and all(isinstance(r, _Container) for r in results):
            first = results[0]
            return first if all(r is first for r in results) else _UNKNOWN
        if not all(isinstance(r, tuple) for r in results):
            return _UNKNOWN
        return _combine([v for r in results for v in r])  # type: ignore[union-attr]

    def step_attribute(self, node: ast.Attribute, scope: Scope) -> Folded | _Needs:
        """`args.workers`: the option's `default=` (None when it has none)."""
        base = self.model.infer(node.value, scope)
        site = (self.model.argparse_default_site(base.of, node.attr)
                if base.kind == "namespace" and base.of is not None else None)
        if site is None:
            return self.inferred(node, scope)
        default, default_scope = site
        return self.union([(default, default_scope)]) if default is not None else (None,)

    def step_named(self, node: ast.NamedExpr, scope: Scope) -> Folded | _Needs:
        return self.union([(node.value, scope)])

    def step_call(self, node: ast.Call, scope: Scope) -> Folded | _Needs:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and not node.keywords and 1 <= len(node.args) <= 2:
            return self.lookup(node.func.value, node.args[0], scope, is_get=True,
                               default=node.args[1] if len(node.args) == 2 else None)
        func = self.model.infer(node.func, scope)
        function = _FOLDED_CALLS.get(func.qualname or "") if func.kind == "api" else None
        if function is None or node.keywords or any(
                isinstance(a, ast.Starred) for a in node.args):
            return self.inferred(node, scope)
        arguments = node.args
        spread = function in (min, max) and len(arguments) == 1
        if spread:  # min((a, b)): the items of one literal tuple/list
            if not isinstance(arguments[0], ast.Tuple | ast.List) or any(
                    isinstance(e, ast.Starred) for e in arguments[0].elts):
                return _UNKNOWN
            arguments = arguments[0].elts
        results = self.scalars([(a, scope) for a in arguments])
        if not isinstance(results, list):
            return _UNKNOWN if results is None else results
        combinations: list[tuple[object, ...]] = [()]
        for values in results:
            combinations = [(*c, v) for c in combinations for v in values]
            if len(combinations) > _MAX_VALUES:
                return _UNKNOWN
        outcome = []
        for combination in combinations:
            try:
                outcome.append(function(*combination))
            except (TypeError, ValueError, OverflowError):
                return _UNKNOWN
        return _combine(outcome)

    def step_subscript(self, node: ast.Subscript, scope: Scope) -> Folded | _Needs:
        return self.lookup(node.value, node.slice, scope)

    def lookup(self, container: ast.expr, key: ast.expr, scope: Scope, *,
               is_get: bool = False, default: ast.expr | None = None) -> Folded | _Needs:
        """`container[key]`, or `container.get(key, default)` (`is_get`: a missing key gives
        the default, None without one)."""
        results = self.gather([(container, scope), (key, scope)])
        if isinstance(results, _Needs):
            return results
        folded, keys = results
        if not isinstance(folded, _Container) or not isinstance(keys, tuple):
            return _UNKNOWN
        tasks: list[_Task] = []
        extra: list[object] = []
        for wanted in keys:
            element = _element(folded, wanted)
            if element is not None:
                tasks.append((element, folded.scope))
            elif is_get and folded.kind == "dict":
                if default is not None:
                    tasks.append((default, scope))
                else:
                    extra.append(None)
            else:
                return _UNKNOWN  # a KeyError or IndexError: not a count
        return self.union(tasks, extra)

    def step_literal(self, node: ast.Dict | ast.Tuple | ast.List, scope: Scope) -> Folded | _Needs:
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return _UNKNOWN  # `{**other}`
            keys = self.scalars([(k, scope) for k in node.keys])  # type: ignore[misc]
            if not isinstance(keys, list):
                return _UNKNOWN if keys is None else keys
            if any(len(k) != 1 for k in keys):
                return _UNKNOWN
            return _Container("dict", tuple(k[0] for k in keys), tuple(node.values), scope,
                              node, _mutable_depth(node))
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return _UNKNOWN
        kind = "tuple" if isinstance(node, ast.Tuple) else "list"
        return _Container(kind, (), tuple(node.elts), scope, node, _mutable_depth(node))

    def step_name(self, node: ast.Name, scope: Scope) -> Folded | _Needs:
        binding = self.model.resolve(node.id, scope, node)
        if binding is None:
            return _UNKNOWN
        candidates = _Reassignments(self, binding, scope, node).values()
        if isinstance(candidates, _Needs) or candidates is None:
            return _UNKNOWN if candidates is None else candidates
        folded = self.union(candidates)
        if isinstance(folded, _Container) and folded.mutable_depth and not _MutationScan.of(
                self.model).leaves_unchanged(node.id, folded):
            return _UNKNOWN
        return folded


def _element(container: _Container, wanted: object) -> ast.expr | None:
    if container.kind == "dict":
        found = None
        for key, value in zip(container.keys, container.elements, strict=True):
            if type(key) is type(wanted) and key == wanted:
                found = value  # the last one wins, as in a dict display
        return found
    if isinstance(wanted, int) and not isinstance(wanted, bool) \
            and -len(container.elements) <= wanted < len(container.elements):
        return container.elements[wanted]
    return None


def _mutable_depth(node: ast.expr) -> int:
    """How many subscripts deep the deepest mutable container literal of `node` sits (1: the
    node itself is one); 0 when nothing in it is mutable."""
    deepest = 0
    pending: list[tuple[ast.expr, int]] = [(node, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, ast.Dict | ast.List | ast.Set):
            deepest = max(deepest, depth)
        if isinstance(current, ast.Dict):
            pending += [(v, depth + 1) for v in current.values]
        elif isinstance(current, ast.Tuple | ast.List | ast.Set):
            pending += [(e, depth + 1) for e in current.elts]
    return deepest


def _apply_all(function: Callable[[object, object], object], lefts: tuple[object, ...],
               rights: tuple[object, ...]) -> Folded:
    if len(lefts) * len(rights) > _MAX_VALUES:
        return _UNKNOWN
    outcome = []
    for left in lefts:
        for right in rights:
            if any(isinstance(v, int) and abs(v) > _MAX_INT for v in (left, right)):
                return _UNKNOWN
            try:
                outcome.append(function(left, right))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return _UNKNOWN
    return _combine(outcome)


_STEPS: dict[type, Callable[[_Folder, ast.expr, Scope], Folded | _Needs]] = {
    ast.UnaryOp: _Folder.step_unary, ast.BinOp: _Folder.step_binary,  # type: ignore[dict-item]
    ast.Compare: _Folder.step_compare, ast.BoolOp: _Folder.step_bool,  # type: ignore[dict-item]
    ast.IfExp: _Folder.step_if, ast.NamedExpr: _Folder.step_named,  # type: ignore[dict-item]
    ast.Call: _Folder.step_call, ast.Subscript: _Folder.step_subscript,  # type: ignore[dict-item]
    ast.Dict: _Folder.step_literal, ast.Tuple: _Folder.step_literal,  # type: ignore[dict-item]
    ast.List: _Folder.step_literal, ast.Name: _Folder.step_name,  # type: ignore[dict-item]
    ast.Attribute: _Folder.step_attribute,  # type: ignore[dict-item]
}


# --- names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """Where an assignment stands in its scope's code: the `if` branches around it (test,
    whether in the body) and whether anything else (a loop, `with`, `try`) surrounds it."""

    branches: tuple[tuple[ast.expr, bool], ...]
    enclosed: bool


def _places(model: ModuleModel, scope: Scope) -> dict[int, _Place]:
    """id(statement) → its place, for the statements of `scope`'s own code."""
    cache = model.memo.setdefault("constants.places", {})
    if id(scope) in cache:
        return cache[id(scope)]
    node = scope.node
    body = node.body if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
                                   | ast.ClassDef) else []
    places: dict[int, _Place] = {}
    pending: list[tuple[list[ast.stmt], _Place]] = [(body, _Place((), False))]
    while pending:
        statements, place = pending.pop()
        for statement in statements:
            places[id(statement)] = place
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(statement, ast.If):
                pending.append((statement.body, _Place(
                    (*place.branches, (statement.test, True)), place.enclosed)))
                pending.append((statement.orelse, _Place(
                    (*place.branches, (statement.test, False)), place.enclosed)))
                continue
            for child in _child_bodies(statement):
                pending.append((child, _Place(place.branches, True)))
    cache[id(scope)] = places
    return places


def _child_bodies(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for field_name in ("body", "orelse", "finalbody"):
        value = getattr(statement, field_name, None)
        if isinstance(value, list):
            yield value
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for case in getattr(statement, "cases", ()):
        yield case.body


class _Reassignments:
    """The assignments of a name that a use may see, in the order they run."""

    def __init__(self, folder: _Folder, binding: Binding, use_scope: Scope,
                 use: ast.Name) -> None:
        self.folder = folder
        self.model = folder.model
        self.scope = binding.scope
        self.name = binding.name
        self.use_scope = use_scope
        self.use = use

    def values(self) -> list[_Task] | _Needs | None:
        if any(self.name in s.declared_global for s in self.model.index.all_scopes
               if s is not self.model.module_scope):
            return None  # assigned from functions too: when is not known
        places = _places(self.model, self.scope)
        anchor = self.anchor()
        relevant: list[tuple[Binding, _Place, bool]] = []  # (binding, place, before anchor)
        for binding in self.scope.bindings.get(self.name, []):
            place = places.get(id(binding.node), _Place((), True))
            node = binding.node
            # Before the use when the whole assignment is (`N = N + 1` reads the earlier N).
            before = anchor is not None and (
                getattr(node, "end_lineno", 0), getattr(node, "end_col_offset", 0)) <= anchor
            # After the use, an assignment is seen only when the use runs later (a function
            # called after it) or again (a loop around both).
            if before or anchor is None or not self.same_scope or place.enclosed:
                relevant.append((binding, place, before))
        tasks = [_assigned_value(binding) for binding, _, _ in relevant]
        if any(task is None for task in tasks):
            return None
        tests = [(test, self.scope) for _, place, _ in relevant for test, _ in place.branches]
        known = self.folder.truths(tests)
        if isinstance(known, _Needs):
            return known
        truth = {id(test): values for (test, _), values in zip(tests, known, strict=True)}
        chosen: list[_Task] = []
        for (_, place, before), task in zip(relevant, tasks, strict=True):
            assert task is not None
            if any(branch not in truth[id(test)] for test, branch in place.branches):
                continue  # never runs
            definite = not place.enclosed and all(
                truth[id(test)] == {branch} for test, branch in place.branches)
            if before and definite:
                chosen.clear()  # a later straight-line assignment replaces the earlier ones
            chosen.append(task)
        return chosen or None

    @property
    def same_scope(self) -> bool:
        return self.use_scope is self.scope

    def anchor(self) -> tuple[int, int] | None:
        """The position before which assignments have surely run when the use runs: the use
        itself in the same scope; in a function of the module, the module statement that
        defines it (its body runs only after that). None: not known."""
        if self.same_scope:
            return (self.use.lineno, self.use.col_offset)
        if self.scope is not self.model.module_scope:
            return None
        current: Scope | None = self.use_scope
        while current is not None and current.parent is not self.scope:
            current = current.parent
        definition = current.definition if current is not None else None
        if definition is None:
            return None
        top = definition.top_statement
        return (top.lineno, top.col_offset)


def _assigned_value(binding: Binding) -> _Task | None:
    """The expression a binding assigns (and the scope it is evaluated in); None when it is
    not a plain assignment of one value."""
    node, scope = binding.node, binding.scope
    if binding.kind == "assign" and binding.value is not None:
        if isinstance(node, ast.NamedExpr):
            return None  # may sit in a comprehension: its value's scope differs
        return (binding.value, scope)
    if binding.kind != "other" or not isinstance(node, ast.Assign):
        return None
    for target in node.targets:
        if isinstance(target, ast.Name) and target.id == binding.name:
            return (node.value, scope)  # `a = b = 4`
    value = node.value
    for target in node.targets:
        if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
            if binding.name in names and len(names) == len(value.elts) and not any(
                    isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
                index = len(names) - 1 - names[::-1].index(binding.name)
                return (value.elts[index], scope)
    return None


# --- containers that may change ----------------------------------------------------------


_ANY_KEY = _Unknown()  # a subscript whose key is not a literal


class _MutationScan:
    """Each identifier's uses in the file, as far as they may change a container bound to it.
    A use that stores, deletes or calls a method through it (`CONFIG["w"] = 0`,
    `CONFIG.update(...)`) may change it; any other use hands on what its subscripts (and
    `.get(...)`) reach (`cfg = CONFIG`, `f(CONFIG["loader"])`), which is safe only when that is
    no mutable part of the container (`CONFIG["workers"]` reaching `2`). `print`, `len`, `str`
    and `repr` of it keep nothing. Scopes are ignored (a same-named local counts too): the scan
    errs on the safe side."""

    def __init__(self, tree: ast.Module) -> None:
        self.changed: set[str] = set()
        # identifier → the key chains of its uses (`_ANY_KEY`: a key that is not a literal)
        self.reached: dict[str, list[tuple[object, ...]]] = {}
        parents: dict[int, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                parents[id(child)] = parent
                if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Store):
                    self._use(child, parents)

    @classmethod
    def of(cls, model: ModuleModel) -> _MutationScan:
        scan = model.memo.get("constants.mutations")
        if scan is None:
            scan = model.memo["constants.mutations"] = cls(model.tree)
        return scan

    def _use(self, name: ast.Name, parents: dict[int, ast.AST]) -> None:
        if isinstance(name.ctx, ast.Del):
            self.changed.add(name.id)
            return
        node: ast.AST = name
        keys: list[object] = []
        parent = parents.get(id(node))
        while True:
            if isinstance(parent, ast.Subscript) and parent.value is node:
                if not isinstance(parent.ctx, ast.Load):
                    self.changed.add(name.id)
                    return
                key = parent.slice
            elif (isinstance(parent, ast.Attribute) and parent.value is node
                  and parent.attr == "get"
                  and isinstance(call := parents.get(id(parent)), ast.Call)
                  and call.func is parent and call.args):
                parent, key = call, call.args[0]
            elif isinstance(parent, ast.Attribute) and parent.value is node:
                self.changed.add(name.id)  # a method call or an attribute store
                return
            else:
                break
            keys.append(key.value if isinstance(key, ast.Constant) else _ANY_KEY)
            node, parent = parent, parents.get(id(parent))
        if isinstance(parent, ast.Call) and any(a is node for a in parent.args) and isinstance(
                parent.func, ast.Name) and parent.func.id in _READING_CALLS:
            return
        self.reached.setdefault(name.id, []).append(tuple(keys))

    def leaves_unchanged(self, name: str, container: _Container) -> bool:
        """Whether no use of `name` may change `container` (its literal)."""
        if name in self.changed:
            return False
        return all(_reaches_immutable(container.node, chain)
                   for chain in self.reached.get(name, ()))


def _reaches_immutable(node: ast.expr, keys: tuple[object, ...]) -> bool:
    """Whether following `keys` (`_ANY_KEY`: any key) through the literal `node` reaches no
    mutable literal (a part that is not a literal — a name, a call — is checked where it is
    folded)."""
    reached = [node]
    for key in keys:
        following: list[ast.expr] = []
        for current in reached:
            if isinstance(current, ast.Dict):
                if any(k is None for k in current.keys):
                    return False  # `{**other}`: its items are not known
                following += [v for k, v in zip(current.keys, current.values, strict=True)
                              if key is _ANY_KEY or (isinstance(k, ast.Constant)
                                                     and type(k.value) is type(key)
                                                     and k.value == key)]
            elif isinstance(current, ast.Tuple | ast.List):
                if key is _ANY_KEY:
                    following += current.elts
                elif isinstance(key, int) and -len(current.elts) <= key < len(current.elts):
                    following.append(current.elts[key])
            elif _mutable_depth(current):
                return False
        reached = following
    return not any(_mutable_depth(current) for current in reached)
