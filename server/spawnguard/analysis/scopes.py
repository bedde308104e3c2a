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
from spawnguard.analysis.nesting import MAX_NESTING, StatementTooDeep, nesting_exceeds

ScopeKind = Literal["module", "function", "class", "lambda", "comprehension"]
Region = Literal["import", "guard"]
BindingKind = Literal["import", "def", "class", "assign", "param", "loop", "with", "other"]
Placement = Literal["module", "guard", "local", "member"]
DefinitionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# The walk skips at most one level between two nodes it counts (a keyword, a comprehension, a
# withitem), once two (arguments and arg, above an annotation), and two leaves below the last
# (a name and its context): a statement the walk sees at most 46 deep nests at most
# 46 + 45 + 1 + 2 = 94 levels, within MAX_NESTING. Deeper ones get the exact check.
_NESTING_ALARM = MAX_NESTING // 2 - 4
_NEVER = 1 << 62
# Nodes the walk has nothing to do with (stores are bound by their statements), but for
# counting the loads of `__name__`.
_LEAVES = frozenset({ast.Name, ast.Constant})
_NAME = ast.Name
_NOT_A_GUARD = GuardVerdict(GuardKind.NONE)


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


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


class _Walker:
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
        # The `if` just walked when it returns from its function in a spawn child.
        self.early_return: ast.If | None = None
        self.depth = 0
        self.nesting_alarm = _NESTING_ALARM

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
        if isinstance(target, ast.Name):
            self.bind(target.id, kind, node, value)
        elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
            # Target nesting counts towards the statement's depth like any other.
            depth = self.depth = self.depth + 1
            if depth > self.nesting_alarm:
                self.check_nesting()
            if isinstance(target, ast.Starred):
                self.bind_target(target.value, "other", node, None)
            else:
                for element in target.elts:
                    # Unpacking loses the link between a name and its value.
                    self.bind_target(element, "other" if kind == "assign" else kind, node,
                                     None)
            self.depth = depth - 1
        else:
            self.visit(target)

    # --- traversal -----------------------------------------------------------------------------

    def visit_body(self, statements: list[ast.stmt]) -> None:
        outer: tuple[Region | None, ast.AST | None] | None = None
        for statement in statements:
            self.visit_statement(statement)
            if self.early_return is statement:
                # `if __name__ != "__main__": return` in a function: the rest of the block
                # runs only when the script is `__main__`.
                self.early_return = None
                if outer is None:
                    outer = self.enter_guard(statement)
        if outer is not None:
            self.leave_guard(outer)

    def visit_statement(self, statement: ast.stmt) -> None:
        at_module_level = self.scope is self.module and self.top is None
        if at_module_level:
            self.top = statement
        if self.scope is self.module and self.region is not None:
            self.index.region_of_statement[id(statement)] = self.region
        try:
            self.visit(statement)
        finally:
            if at_module_level:
                self.top = None

    def visit(self, node: ast.AST) -> None:
        if node.__class__ in _LEAVES:
            # A third of all nodes: loads are resolved on demand, constants are data.
            if node.__class__ is _NAME and node.id == "__name__":  # type: ignore[attr-defined]
                self.name_loads += 1
            return
        depth = self.depth = self.depth + 1
        if depth > self.nesting_alarm:
            self.check_nesting()
        _HANDLERS.get(node.__class__, _Walker.generic_visit)(self, node)
        self.depth = depth - 1

    def check_nesting(self) -> None:
        """The walk is deep in the current top-level statement: check it exactly, once."""
        assert self.top is not None
        if nesting_exceeds(self.top, MAX_NESTING):
            raise StatementTooDeep(self.top)
        self.nesting_alarm = _NEVER

    def generic_visit(self, node: ast.AST) -> None:
        # iter_child_nodes without the generator: this loop runs for every node of the file.
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.visit_body(value)  # a `try` or `while` block
                    continue
                for child in value:
                    if isinstance(child, ast.AST):
                        self.visit(child)
            elif isinstance(value, ast.AST):
                self.visit(value)

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
        for statement in statements:
            self.depth, self.nesting_alarm = 0, _NESTING_ALARM
            self.region, self.guard = "import", None
            self.visit_statement(statement)
        return self.facts

    # --- statements ----------------------------------------------------------------------------

    def enter_guard(self, guard: ast.AST | None) -> tuple[Region | None, ast.AST | None]:
        """Walk what follows as guarded by `guard` (None: as the enclosing code); returns the
        state to give back to `leave_guard`."""
        outer = self.region, self.guard
        if guard is not None:
            if self.region is not None:
                self.region = "guard"  # module level or a class body there
            if self.guard is None:
                self.guard = guard
        return outer

    def leave_guard(self, outer: tuple[Region | None, ast.AST | None]) -> None:
        self.region, self.guard = outer

    def visit_If(self, node: ast.If) -> None:
        # The test is walked before it is classified: the walk checks how deep it nests.
        loads = self.name_loads
        self.visit(node.test)
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
            self.early_return = node
        if not body_guarded and not verdict.else_guarded:
            self.visit_body(node.body)
            self.visit_body(node.orelse)
            return
        outer = self.enter_guard(node if body_guarded else None)
        self.visit_body(node.body)
        self.leave_guard(outer)
        outer = self.enter_guard(node if verdict.else_guarded else None)
        self.visit_body(node.orelse)
        self.leave_guard(outer)

    def visit_Match(self, node: ast.Match) -> None:
        loads = self.name_loads
        self.visit(node.subject)
        flags = guarded_cases(node) if self.name_loads != loads else [False] * len(node.cases)
        for case, guarded in zip(node.cases, flags, strict=True):
            depth = self.depth = self.depth + 1  # the case counts towards the depth
            if depth > self.nesting_alarm:
                self.check_nesting()
            self.visit(case.pattern)
            if case.guard is not None:
                self.visit(case.guard)
            outer = self.enter_guard(case if guarded else None)
            self.visit_body(case.body)
            self.leave_guard(outer)
            self.depth = depth - 1

    def visit_guarded(self, node: ast.AST, guard: ast.AST | None) -> None:
        outer = self.enter_guard(guard)
        self.visit(node)
        self.leave_guard(outer)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        loads = self.name_loads
        self.visit(node.test)
        body, orelse = branch_guards(node.test) if self.name_loads != loads else (False, False)
        if body or orelse:
            self.visit_guarded(node.body, node if body else None)
            self.visit_guarded(node.orelse, node if orelse else None)
        else:
            self.visit(node.body)
            self.visit(node.orelse)

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
        self.visit(node.value)
        single = len(node.targets) == 1
        for target in node.targets:
            self.bind_target(target, "assign" if single else "other", node, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self.bind_target(node.target, "assign", node, node.value)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)  # `a.b: int` binds nothing but is walked like any code
        self.visit(node.annotation)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, "other", node)
        else:
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, "assign", node, node.value, scope=scope)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.index.loops.append(self.located(node))
        self.bind_target(node.target, "loop", node, node.iter)
        self.visit_body(node.body)
        self.visit_body(node.orelse)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, "with", node, item.context_expr)
        self.visit_body(node.body)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, "other", node)
        self.visit_body(node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit_arguments_defaults(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        definition = self.open_definition(node, node.name, "function")
        self.bind(node.name, "def", node)
        outer_scope, outer_region = self.scope, self.region
        self.scope, self.region = definition.scope, None
        self.bind_parameters(node.args)
        self.visit_body(node.body)
        self.scope, self.region = outer_scope, outer_region

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_arguments_defaults(node.args)
        definition = self.open_definition(node, "<lambda>", "lambda")
        outer_scope, outer_region = self.scope, self.region
        self.scope, self.region = definition.scope, None
        self.bind_parameters(node.args)
        self.visit(node.body)
        self.scope, self.region = outer_scope, outer_region

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        definition = self.open_definition(node, node.name, "class")
        self.bind(node.name, "class", node)
        outer_scope = self.scope
        # A class body runs when its `class` statement runs: it keeps the region.
        self.scope = definition.scope
        self.visit_body(node.body)
        self.scope = outer_scope

    def visit_arguments_defaults(self, args: ast.arguments) -> None:
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.visit(default)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)

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
        self.visit(node.func)
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword.value)

    # The commonest expressions, visited without `generic_visit`'s field loop and without
    # their operator and context leaves: this walk covers every node of the file.

    def visit_Attribute(self, node: ast.Attribute | ast.Starred | ast.Expr) -> None:
        self.visit(node.value)

    visit_Starred = visit_Attribute
    visit_Expr = visit_Attribute

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.visit(node.operand)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.visit(node.left)
        for comparator in node.comparators:
            self.visit(comparator)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        for element in node.elts:
            self.visit(element)

    visit_List = visit_Tuple
    visit_Set = visit_Tuple

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # A later operand is guarded when the earlier ones make a guard (`guard.guarded_parts`
        # says the same of a whole expression); only a chain that loads `__name__` may be one.
        loads = self.name_loads
        guarded = False
        for position, value in enumerate(node.values):
            if position and not guarded and self.name_loads != loads:
                guarded = operand_guarded(node, position)
            if guarded:
                self.visit_guarded(value, node)
            else:
                self.visit(value)

    def visit_comprehension_node(self, node: ast.AST, elements: list[ast.expr]) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter)
        outer_scope, outer_region = self.scope, self.region
        scope = self.new_scope("comprehension", node)
        # A comprehension runs where it stands: it keeps the region.
        self.scope = scope
        for position, generator in enumerate(generators):
            if position:
                self.visit(generator.iter)
            self.bind_target(generator.target, "loop", generator, generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        self.scope, self.region = outer_scope, outer_region
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


# Node class → the walker's `visit_<class name>` function. Plain functions, not bound methods:
# a walker holding its own bound methods would be a reference cycle, and each analysis would
# leave its whole tree to the cyclic garbage collector instead of freeing it at once.
_HANDLERS: dict[type, Callable[[_Walker, Any], None]] = {
    node_class: handler
    for name, handler in vars(_Walker).items() if name.startswith("visit_")
    if isinstance(node_class := getattr(ast, name.removeprefix("visit_"), None), type)
}


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
