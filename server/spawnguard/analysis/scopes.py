"""One walk over the tree: scopes, bindings, definitions, and the nodes rules care about.

Module-level code is split into regions: `import` (runs whenever the file is imported,
including in every spawn child) and `guard` (runs only under a correct main guard).
Code anywhere (functions included) that runs only under a main guard also records that guard:
the body of an `if` (at any depth) whose test is a correct guard, the `else` of an inverse
test, the guarded parts of an expression, the guarded cases of a `match` (see `guard`), and
in a function the rest of a block after `if __name__ != "__main__": return`.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from spawnguard.analysis.guard import (
    GuardKind,
    GuardVerdict,
    branch_guards,
    classify,
    guarded_cases,
    operand_guarded,
    returns_in_child,
)

ScopeKind = Literal["module", "function", "class", "lambda", "comprehension"]
Region = Literal["import", "guard"]
BindingKind = Literal["import", "def", "class", "assign", "param", "loop", "with", "other"]
Placement = Literal["module", "guard", "local", "member"]
DefinitionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_NAME, _CONSTANT, _ATTRIBUTE = ast.Name, ast.Constant, ast.Attribute
_NOT_A_GUARD = GuardVerdict(GuardKind.NONE)
_STATEMENTS = frozenset(node_class for node_class in vars(ast).values()
                        if isinstance(node_class, type) and issubclass(node_class, ast.stmt))


# Scopes, bindings and definitions point at each other. The links back to a scope's owner
# are weak so that a model is freed by reference counting when it is dropped, rather than left,
# with its whole tree, to the cyclic garbage collector. The model's `ScopeIndex` owns them all.


@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    _definition: weakref.ReferenceType[Definition] | None = None
    # `name.attribute = value` statements of a function's own code, as (name, attribute,
    # value): what a method stores on `self` (see `attributes`). None when there are none.
    attribute_stores: list[tuple[str, str, ast.expr]] | None = None

    def is_local(self, name: str) -> bool:
        return name in self.bindings and name not in self.declared_global

    @property
    def definition(self) -> Definition | None:
        """The function, class or lambda that opens this scope (None for the module and
        comprehensions)."""
        return self._definition() if self._definition is not None else None

    @definition.setter
    def definition(self, definition: Definition) -> None:
        self._definition = weakref.ref(definition)



@dataclass(eq=False)
class Binding:
    name: str
    kind: BindingKind
    node: ast.AST
    _scope: weakref.ReferenceType[Scope]
    value: ast.expr | None = None  # right-hand side / iterated / context expression
    qualname: str | None = None  # for imports
    region: Region | None = None  # module scope only
    position: tuple[int, int] = (0, 0)

    @property
    def scope(self) -> Scope:
        scope = self._scope()
        assert scope is not None, "a binding used after its model was dropped"
        return scope

    @scope.setter
    def scope(self, scope: Scope) -> None:
        self._scope = weakref.ref(scope)


@dataclass(eq=False)
class Definition:
    name: str
    node: DefinitionNode
    scope: Scope  # the scope the definition itself opens
    placement: Placement
    top_statement: ast.stmt  # the module-level statement that contains it

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    @property
    def is_lambda(self) -> bool:
        return isinstance(self.node, ast.Lambda)

    @property
    def parent(self) -> Scope:
        assert self.scope.parent is not None
        return self.scope.parent


@dataclass(eq=False)
class Located:
    """A node of interest with the scope it is evaluated in."""

    node: ast.AST
    scope: Scope
    # The module-level region this code runs in; None inside functions and lambdas.
    region: Region | None
    top_statement: ast.stmt
    # The outermost main guard (an `if`, an expression, a `match` case) that this code is
    # inside, at any depth: it runs only when the script is `__main__`. None when unguarded.
    guard: ast.AST | None = None


@dataclass(eq=False)
class NameIf:
    """An `if` (at module level, in a class body or in a function) that tests `__name__`."""

    node: ast.If
    verdict: GuardVerdict
    top_statement: ast.stmt
    in_function: bool = False  # evaluated when a function of the file is called


@dataclass
class ScopeIndex:
    module: Scope
    definitions: list[Definition] = field(default_factory=list)
    definition_of: dict[int, Definition] = field(default_factory=dict)  # id(node) →
    calls: list[Located] = field(default_factory=list)
    loops: list[Located] = field(default_factory=list)  # For / AsyncFor / comprehension
    name_ifs: list[NameIf] = field(default_factory=list)  # every `if` testing __name__
    # `if` statements (at any depth) that are correct guards (body = guarded).
    guards: list[ast.If] = field(default_factory=list)
    region_of_statement: dict[int, Region] = field(default_factory=dict)  # module-level stmts
    scope_of_node: dict[int, Scope] = field(default_factory=dict)  # scope-opening node →
    imported_roots: set[str] = field(default_factory=set)  # top packages imported anywhere
    imports: list[Located] = field(default_factory=list)  # import statements

    # call_name of each of `calls`, worked out when first asked (see `calls_named`).
    _call_names: list[str | None] | None = field(default=None, repr=False)

    @property
    def all_scopes(self) -> list[Scope]:
        return [self.module, *self.scope_of_node.values()]

    def calls_named(self, names: Container[str | None]) -> list[Located]:
        """The calls whose `call_name` is in `names` (None: a call of a call, a subscript...),
        in walk order. Most consumers want a few names of many: each looks only at those."""
        if self._call_names is None:
            self._call_names = [call_name(c.node) for c in self.calls]  # type: ignore[arg-type]
        return [c for c, name in zip(self.calls, self._call_names, strict=True)
                if name in names]

    def absorb(self, other: ScopeIndex) -> None:
        self.definitions += other.definitions
        self.definition_of.update(other.definition_of)
        self.calls += other.calls
        self.loops += other.loops
        self.name_ifs += other.name_ifs
        self.guards += other.guards
        self.region_of_statement.update(other.region_of_statement)
        self.scope_of_node.update(other.scope_of_node)
        self.imported_roots |= other.imported_roots
        self.imports += other.imports


@dataclass
class StatementFacts:
    """What walking one top-level statement found, kept so that an unchanged statement (the
    same cached ast node) need not be walked again after an edit elsewhere."""

    index: ScopeIndex
    module_bindings: list[Binding] = field(default_factory=list)
    # Objects that point at the module scope, re-pointed at each new model's module scope.
    module_children: list[Scope] = field(default_factory=list)
    module_located: list[Located] = field(default_factory=list)
    module_globals: set[str] = field(default_factory=set)

    def move_to(self, module: Scope) -> None:
        for binding in self.module_bindings:
            binding.scope = module
            module.bindings.setdefault(binding.name, []).append(binding)
        for scope in self.module_children:
            scope.parent = module
        for located in self.module_located:
            located.scope = module
        module.declared_global |= self.module_globals


def call_name(call: ast.Call) -> str | None:
    """The last identifier of what is called: `f` in `f()`, `m` in `a.b.m()`."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


# What the walk restores after a scope or a guarded part: the scope, the region, the guard.
WalkState = tuple["Scope", "Region | None", "ast.AST | None"]
# A step of the walk between nodes: a `_Walker` function and its argument.
Step = tuple[Callable[[Any, Any], None], Any]


def _annotated(parameters: list[ast.arg]) -> bool:
    for parameter in parameters:  # noqa: SIM110 (a loop: no generator on this hot path)
        if parameter.annotation is not None:
            return True
    return False


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _statements_after(root: ast.AST, statement: ast.stmt) -> list[ast.stmt]:
    """The statements after `statement` in the block of `root` that holds it."""
    for node in ast.walk(root):
        for name in node._fields:
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                for position, candidate in enumerate(block):
                    if candidate is statement:
                        return block[position + 1:]
    return []


class _Walker:
    """The walk, without recursion: `pending` holds the nodes still to visit and the steps to
    take between them (a `Step`), next one last. A handler pushes what a recursive walk would
    do after it in reverse, so code nested to any depth is walked in the order of a recursive
    walk, the order the lists of calls, loops and bindings keep. Every node leaves the state
    (scope, region, guard) as it found it: a handler that changes it pushes a step restoring
    it below the nodes it walks that way."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope("module", tree, None)
        self.index = ScopeIndex(self.module)
        self.facts = StatementFacts(self.index)
        self.scope = self.module
        self.region: Region | None = "import"
        self.guard: ast.AST | None = None  # the outermost main guard the walk is inside
        # How many `__name__` loads the walk has seen: only a condition that holds one is
        # classified as a guard.
        self.name_loads = 0
        self.top: ast.stmt | None = None
        self.pending: list[ast.AST | Step] = []

    def state(self) -> WalkState:
        return self.scope, self.region, self.guard

    # --- bindings ------------------------------------------------------------------------------

    def bind(self, name: str, kind: BindingKind, node: ast.AST,
             value: ast.expr | None = None, qualname: str | None = None,
             scope: Scope | None = None) -> None:
        target_scope = scope or self.scope
        if name in target_scope.declared_global:
            target_scope = self.module
        binding = Binding(
            name, kind, node, weakref.ref(target_scope), value, qualname,
            self.region if target_scope is self.module else None, _position(node),
        )
        if target_scope is self.module:
            self.facts.module_bindings.append(binding)  # added when the statement is merged
        else:
            target_scope.bindings.setdefault(name, []).append(binding)

    def bind_target(self, target: ast.expr, kind: BindingKind,
                    node: ast.AST, value: ast.expr | None) -> None:
        """Bind a name target now; an unpacking binds its parts in turn, after what is pending
        above this step."""
        if isinstance(target, ast.Name):
            self.bind(target.id, kind, node, value)
        elif isinstance(target, ast.Tuple | ast.List):
            # Unpacking loses the link between a name and its value.
            element_kind = "other" if kind == "assign" else kind
            self.pending.extend((_Walker.bind_step, (element, element_kind, node, None))
                                for element in reversed(target.elts))
        elif isinstance(target, ast.Starred):
            self.pending.append((_Walker.bind_step, (target.value, "other", node, None)))
        else:
            self.pending.append(target)

    def bind_step(self, target: tuple[ast.expr, BindingKind, ast.AST, ast.expr | None]) -> None:
        self.bind_target(*target)

    def bind_name_step(self, name: tuple[str, BindingKind, ast.AST]) -> None:
        self.bind(*name)

    # --- traversal -----------------------------------------------------------------------------

    def walk(self) -> None:
        """Take what is pending, until nothing is."""
        pending = self.pending
        pop, push = pending.pop, pending.append
        handlers = _HANDLERS
        generic_visit = _GENERIC_VISIT
        while pending:
            item = pop()
            kind = item.__class__
            if kind is _ATTRIBUTE:
                # The commonest node with a child, walked here; its child is often a leaf.
                value = item.value  # type: ignore[union-attr]
                kind = value.__class__
                if kind is _NAME:
                    if value.id == "__name__":
                        self.name_loads += 1
                elif kind is not _CONSTANT:
                    push(value)
            elif kind is _NAME:
                # Loads are resolved on demand (stores are bound by their statements); only
                # `__name__` is counted.
                if item.id == "__name__":  # type: ignore[union-attr]
                    self.name_loads += 1
            elif kind is tuple:
                item[0](self, item[1])  # type: ignore[index]
            elif kind is not _CONSTANT:
                handlers.get(kind, generic_visit)(self, item)

    def generic_visit(self, node: ast.AST) -> None:
        # iter_child_nodes without the generator: this runs for every node of the file.
        children: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                children += [child for child in value if isinstance(child, ast.AST)]
            elif isinstance(value, ast.AST):
                children.append(value)
        children.reverse()
        self.pending += children

    def push_guarded(self, nodes: list[ast.stmt] | list[ast.expr], guard: ast.AST | None) -> None:
        """Walk `nodes` next (before what is pending now), as guarded by `guard` (None: as the
        enclosing code)."""
        pending = self.pending
        if guard is None:
            pending.extend(reversed(nodes))
            return
        pending.append((_Walker.restore, self.state()))
        pending.extend(reversed(nodes))
        pending.append((_Walker.enter_guard, guard))

    def restore(self, state: WalkState) -> None:
        self.scope, self.region, self.guard = state

    def enter_guard(self, guard: ast.AST) -> None:
        if self.region is not None:
            self.region = "guard"  # module level or a class body there
        if self.guard is None:
            self.guard = guard

    def located(self, node: ast.AST) -> Located:
        assert self.top is not None
        located = Located(node, self.scope, self.region, self.top, self.guard)
        if self.scope is self.module:
            self.facts.module_located.append(located)
        return located

    def new_scope(self, kind: ScopeKind, node: ast.AST) -> Scope:
        scope = Scope(kind, node, self.scope)
        self.index.scope_of_node[id(node)] = scope
        if self.scope is self.module:
            self.facts.module_children.append(scope)
        return scope

    def walk_top_level(self, *statements: ast.stmt) -> StatementFacts:
        """What walking these top-level statements finds."""
        self.index = ScopeIndex(self.module)
        self.facts = StatementFacts(self.index)
        for statement in reversed(statements):
            self.pending += (statement, (_Walker.start_top_level, statement))
        self.walk()
        self.top = None
        return self.facts

    def start_top_level(self, statement: ast.stmt) -> None:
        self.region, self.guard = "import", None
        self.top = statement

    # --- statements ----------------------------------------------------------------------------

    def visit_If(self, node: ast.If) -> None:
        # The test is walked before it is classified: only one that loads `__name__` can be
        # a guard.
        self.pending.append((_Walker.after_if_test, (node, self.name_loads)))
        self.pending.append(node.test)

    def after_if_test(self, if_and_loads: tuple[ast.If, int]) -> None:
        node, loads = if_and_loads
        verdict = classify(node.test) if self.name_loads != loads else _NOT_A_GUARD
        assert self.top is not None
        if verdict.kind is not GuardKind.NONE:
            self.index.name_ifs.append(NameIf(node, verdict, self.top, self.region is None))
        body_guarded = verdict.kind is GuardKind.GUARD or (
            # Never runs (SPG301 reports it): not import-time code.
            verdict.kind is GuardKind.BROKEN and not verdict.body_runs_in_child)
        if verdict.kind is GuardKind.GUARD:
            self.index.guards.append(node)
        if self.region is None and self.name_loads != loads and returns_in_child(node):
            self.guard_rest_of_block(node)
        self.push_guarded(node.orelse, node if verdict.else_guarded else None)
        self.push_guarded(node.body, node if body_guarded else None)

    def guard_rest_of_block(self, node: ast.If) -> None:
        """`if __name__ != "__main__": return` in a function: the rest of its block runs only
        when the script is `__main__`. Those statements are the next ones pending (a block is
        pushed whole, in reverse): they are taken off and pushed again as guarded by `node`."""
        rest = _statements_after(self.scope.node, node)
        pending = self.pending
        count = len(rest)
        if not count or len(pending) < count or not all(
                pending[-1 - i] is statement for i, statement in enumerate(rest)):
            return
        del pending[-count:]
        self.push_guarded(rest, node)

    def visit_Match(self, node: ast.Match) -> None:
        self.pending.append((_Walker.after_match_subject, (node, self.name_loads)))
        self.pending.append(node.subject)

    def after_match_subject(self, match_and_loads: tuple[ast.Match, int]) -> None:
        node, loads = match_and_loads
        flags = guarded_cases(node) if self.name_loads != loads else [False] * len(node.cases)
        pending = self.pending
        for case, guarded in reversed(list(zip(node.cases, flags, strict=True))):
            self.push_guarded(case.body, case if guarded else None)
            if case.guard is not None:
                pending.append(case.guard)
            pending.append(case.pattern)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.pending.append((_Walker.after_ifexp_test, (node, self.name_loads)))
        self.pending.append(node.test)

    def after_ifexp_test(self, ifexp_and_loads: tuple[ast.IfExp, int]) -> None:
        node, loads = ifexp_and_loads
        body, orelse = branch_guards(node.test) if self.name_loads != loads else (False, False)
        self.push_guarded([node.orelse], node if orelse else None)
        self.push_guarded([node.body], node if body else None)

    def visit_Import(self, node: ast.Import) -> None:
        self.index.imports.append(self.located(node))
        for alias in node.names:
            self.index.imported_roots.add(alias.name.split(".")[0])
            if alias.asname:
                self.bind(alias.asname, "import", node, qualname=alias.name)
            else:
                top = alias.name.split(".")[0]
                self.bind(top, "import", node, qualname=top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.index.imports.append(self.located(node))
        module = node.module or ""
        self.index.imported_roots.add(module.split(".")[0] if not node.level else ".")
        if node.level:
            module = "." * node.level + module
        for alias in node.names:
            if alias.name == "*":
                from spawnguard.analysis.apis import STAR_EXPORTS

                for name in STAR_EXPORTS.get(module, ()):
                    self.bind(name, "import", node, qualname=f"{module}.{name}")
                continue
            self.bind(alias.asname or alias.name, "import", node,
                      qualname=f"{module}.{alias.name}" if module else alias.name)

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.declared_global.update(node.names)
        if self.scope is self.module:
            self.facts.module_globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.declared_nonlocal.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        value, pending = node.value, self.pending
        if len(node.targets) == 1:
            target = node.targets[0]
            if target.__class__ is _NAME:
                if value.__class__ is _CONSTANT or (
                        value.__class__ is _NAME and value.id != "__name__"):  # type: ignore[attr-defined]
                    # Walking a leaf does nothing: bind at once.
                    self.bind(target.id, "assign", node, value)
                    return
            elif not isinstance(target, ast.Tuple | ast.List | ast.Starred):
                pending.append(target)  # `a.b = value` binds nothing: the target is walked
                pending.append(value)
                self.note_attribute_store(target, value)
                return
        for target in node.targets:
            self.note_attribute_store(target, value)
        pending.append((_Walker.bind_assigned, node))
        pending.append(value)

    def bind_assigned(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self.bind_target(node.targets[0], "assign", node, node.value)
        else:  # in turn: an unpacking target binds its parts before the next target
            self.pending.extend((_Walker.bind_step, (target, "other", node, node.value))
                                for target in reversed(node.targets))

    def note_attribute_store(self, target: ast.expr, value: ast.expr) -> None:
        if (target.__class__ is ast.Attribute and target.value.__class__ is _NAME  # type: ignore[attr-defined]
                and self.scope.kind == "function"):
            stores = self.scope.attribute_stores
            if stores is None:
                stores = self.scope.attribute_stores = []
            stores.append((target.value.id, target.attr, value))  # type: ignore[attr-defined]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.pending.append(node.annotation)
        if node.value is not None:
            self.note_attribute_store(node.target, node.value)
            self.pending.append((_Walker.bind_step, (node.target, "assign", node, node.value)))
            self.pending.append(node.value)
        elif not isinstance(node.target, ast.Name):
            self.pending.append(node.target)  # `a.b: int` binds nothing but is walked

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.pending.append((_Walker.bind_name_step, (node.target.id, "other", node)))
        else:
            self.pending.append(node.target)
        self.pending.append(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.pending.append((_Walker.bind_walrus, node))
        self.pending.append(node.value)

    def bind_walrus(self, node: ast.NamedExpr) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, "assign", node, node.value, scope=scope)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.pending.append((_Walker.after_for_iter, node))
        self.pending.append(node.iter)

    visit_AsyncFor = visit_For

    def after_for_iter(self, node: ast.For | ast.AsyncFor) -> None:
        self.index.loops.append(self.located(node))
        self.pending.extend(reversed(node.orelse))
        self.pending.extend(reversed(node.body))
        self.bind_target(node.target, "loop", node, node.iter)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        pending = self.pending
        pending.extend(reversed(node.body))
        for item in reversed(node.items):
            if item.optional_vars is not None:
                pending.append((_Walker.bind_step,
                                (item.optional_vars, "with", node, item.context_expr)))
            pending.append(item.context_expr)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        pending = self.pending
        pending.extend(reversed(node.body))
        if node.name:
            pending.append((_Walker.bind_name_step, (node.name, "other", node)))
        if node.type is not None:
            pending.append(node.type)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        pending = self.pending
        pending.append((_Walker.restore, self.state()))
        pending.extend(reversed(node.body))
        args = node.args
        if not (node.decorator_list or node.returns or args.defaults or args.kw_defaults
                or args.kwonlyargs or args.vararg or args.kwarg or args.posonlyargs
                or _annotated(args.args)):
            self.open_function(node)  # nothing to walk before the body
            return
        pending.append((_Walker.open_function, node))
        if node.returns is not None:
            pending.append(node.returns)
        self.push_arguments_defaults(args)
        pending.extend(reversed(node.decorator_list))

    visit_AsyncFunctionDef = visit_FunctionDef

    def open_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        definition = self.open_definition(node, node.name, "function")
        self.bind(node.name, "def", node)
        self.scope, self.region = definition.scope, None
        self.bind_parameters(node.args)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pending = self.pending
        pending.append((_Walker.restore, self.state()))
        pending.append(node.body)
        pending.append((_Walker.open_lambda, node))
        self.push_arguments_defaults(node.args)

    def open_lambda(self, node: ast.Lambda) -> None:
        definition = self.open_definition(node, "<lambda>", "lambda")
        self.scope, self.region = definition.scope, None
        self.bind_parameters(node.args)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        pending = self.pending
        pending.append((_Walker.restore, self.state()))
        pending.extend(reversed(node.body))
        pending.append((_Walker.open_class, node))
        pending.extend(keyword.value for keyword in reversed(node.keywords))
        pending.extend(reversed(node.bases))
        pending.extend(reversed(node.decorator_list))

    def open_class(self, node: ast.ClassDef) -> None:
        definition = self.open_definition(node, node.name, "class")
        self.bind(node.name, "class", node)
        # A class body runs when its `class` statement runs: it keeps the region.
        self.scope = definition.scope

    def push_arguments_defaults(self, args: ast.arguments) -> None:
        """Walk the defaults, then the annotations, next."""
        annotations = [arg.annotation for arg in (*args.posonlyargs, *args.args,
                                                  *args.kwonlyargs, args.vararg, args.kwarg)
                       if arg is not None and arg.annotation is not None]
        pending = self.pending
        pending.extend(reversed(annotations))
        pending.extend(default for default in reversed(args.kw_defaults) if default is not None)
        pending.extend(reversed(args.defaults))

    def bind_parameters(self, args: ast.arguments) -> None:
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                self.bind(arg.arg, "param", arg)

    def open_definition(self, node: DefinitionNode, name: str, kind: str) -> Definition:
        scope_kind: ScopeKind = (
            "class" if kind == "class" else "lambda" if kind == "lambda" else "function"
        )
        scope = self.new_scope(scope_kind, node)
        parent = self.scope
        if parent is self.module:
            placement: Placement = "guard" if self.region == "guard" else "module"
        elif parent.kind == "class":
            owner = parent.definition
            placement = "member" if owner and owner.placement in ("module", "member") else (
                owner.placement if owner else "local")
            if placement == "member" and owner is not None and owner.placement == "guard":
                placement = "guard"
        else:
            placement = "local"
        assert self.top is not None
        definition = Definition(name, node, scope, placement, self.top)
        scope.definition = definition
        self.index.definitions.append(definition)
        self.index.definition_of[id(node)] = definition
        return definition

    # --- expressions ---------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        self.index.calls.append(self.located(node))
        pending = self.pending
        if node.keywords:
            pending.extend(keyword.value for keyword in reversed(node.keywords))
        for argument in reversed(node.args):
            if argument.__class__ is not _CONSTANT:  # a leaf: nothing to walk
                pending.append(argument)
        func = node.func
        if func.__class__ is not _NAME:
            pending.append(func)
        elif func.id == "__name__":  # a leaf: counted here rather than pushed
            self.name_loads += 1

    # The commonest expressions, visited without `generic_visit`'s field loop and without
    # their operator and context leaves: this walk covers every node of the file.

    def visit_Attribute(self, node: ast.Attribute | ast.Starred | ast.Expr) -> None:
        self.pending.append(node.value)

    visit_Starred = visit_Attribute
    visit_Expr = visit_Attribute

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.pending.append(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.pending += (node.right, node.left)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.pending.append(node.operand)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.pending.extend(reversed(node.comparators))
        self.pending.append(node.left)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.pending += (node.slice, node.value)

    def visit_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        self.pending.extend(reversed(node.elts))

    visit_List = visit_Tuple
    visit_Set = visit_Tuple

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # A later operand is guarded when the earlier ones make a guard (`guard.guarded_parts`
        # says the same of a whole expression); only a chain that loads `__name__` may be one.
        self.pending.append((_Walker.boolop_operand, (node, 1, self.name_loads)))
        self.pending.append(node.values[0])

    def boolop_operand(self, operand: tuple[ast.BoolOp, int, int]) -> None:
        """Walk operand `position` of a `BoolOp`, the ones before it walked."""
        node, position, loads = operand
        if self.name_loads != loads and operand_guarded(node, position):
            # Guarded once, the rest are guarded too.
            self.push_guarded(node.values[position:], node)
            return
        if position + 1 < len(node.values):
            self.pending.append((_Walker.boolop_operand, (node, position + 1, loads)))
        self.pending.append(node.values[position])

    def visit_comprehension_node(self, node: ast.AST, elements: list[ast.expr]) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        pending = self.pending
        pending.append((_Walker.close_comprehension, (node, self.state())))
        pending.extend(reversed(elements))
        for position in range(len(generators) - 1, -1, -1):
            generator = generators[position]
            pending.extend(reversed(generator.ifs))
            pending.append((_Walker.bind_step,
                            (generator.target, "loop", generator, generator.iter)))
            if position:
                pending.append(generator.iter)
        pending.append((_Walker.open_comprehension, node))
        # The first iterable is evaluated in the enclosing scope.
        pending.append(generators[0].iter)

    def open_comprehension(self, node: ast.AST) -> None:
        # A comprehension runs where it stands: it keeps the region.
        self.scope = self.new_scope("comprehension", node)

    def close_comprehension(self, node_and_state: tuple[ast.AST, WalkState]) -> None:
        node, state = node_and_state
        self.restore(state)
        # The comprehension iterates its first iterable where it stands.
        self.index.loops.append(self.located(node))

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self.visit_comprehension_node(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self.visit_comprehension_node(node, [node.key, node.value])


_DEFINITION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(*roots: ast.AST) -> Iterator[ast.AST]:
    """The roots and every node below them that runs with them: nested functions, classes and
    lambdas are yielded but not entered (their bodies run elsewhere, or never)."""
    pending = list(roots)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, _DEFINITION_NODES):
            pending.extend(ast.iter_child_nodes(node))


def names_loaded_in(index: ScopeIndex, definition: Definition) -> Iterator[tuple[ast.Name, Scope]]:
    """Every name a definition's code loads, with the scope the load happens in."""
    node = definition.node
    roots: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    pending: list[tuple[ast.AST, Scope]] = [(root, definition.scope) for root in roots]
    while pending:
        current, scope = pending.pop()
        if isinstance(current, ast.Name):
            if isinstance(current.ctx, ast.Load):
                yield current, scope
            continue
        inner = index.scope_of_node.get(id(current), scope)
        pending.extend((child, inner) for child in ast.iter_child_nodes(current))


def _statement_handler(handler: Callable[[_Walker, Any], None]) -> Callable[[_Walker, Any], None]:
    """`handler`, after recording the region of a module-level statement."""
    def visit_statement(walker: _Walker, statement: ast.stmt) -> None:
        if walker.region is not None and walker.scope is walker.module:
            walker.index.region_of_statement[id(statement)] = walker.region
        handler(walker, statement)

    return visit_statement


# Node class → the walker's `visit_<class name>` function (statements: recording their region
# first). Plain functions, not bound methods: a walker holding its own bound methods would be
# a reference cycle, and each analysis would leave its whole tree to the cyclic garbage
# collector instead of freeing it at once.
_OWN_HANDLERS: dict[type, Callable[[_Walker, Any], None]] = {
    node_class: handler
    for name, handler in vars(_Walker).items() if name.startswith("visit_")
    if isinstance(node_class := getattr(ast, name.removeprefix("visit_"), None), type)
}
_HANDLERS = {
    **_OWN_HANDLERS,
    **{node_class: _statement_handler(_OWN_HANDLERS.get(node_class, _Walker.generic_visit))
       for node_class in _STATEMENTS},
}
_GENERIC_VISIT = _Walker.generic_visit


def build_scopes(tree: ast.Module,
                 cache: dict[ast.stmt, StatementFacts] | None = None) -> ScopeIndex:
    """Walk the module, one top-level statement at a time. With a `cache` from the previous
    version of the document, statements that are the same ast nodes are not walked again.

    Reused facts are moved to this model's module scope: models of older versions must not
    be used after a newer one is built from the same cache.
    """
    walker = _Walker(tree)
    if cache is None:
        # Nothing to keep per statement: one set of facts for the whole module.
        facts = walker.walk_top_level(*tree.body)
        facts.move_to(walker.module)
        return facts.index
    index = ScopeIndex(walker.module)
    kept: dict[ast.stmt, StatementFacts] = {}
    for statement in tree.body:
        facts = cache.get(statement) if cache is not None else None
        if facts is None:
            facts = walker.walk_top_level(statement)
        facts.move_to(walker.module)
        index.absorb(facts.index)
        kept[statement] = facts
    if cache is not None:
        cache.clear()
        cache.update(kept)
    return index
