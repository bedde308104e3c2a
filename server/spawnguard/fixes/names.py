"""Scope facts the fixes need, read from the ast: what code binds, what it reads, from where.

A fix that moves code changes which scope it runs in, so before moving anything we ask: which
names does it read that the new place would not have, and which names does it bind that other
code reads? These helpers answer with plain sets of names; they over-approximate reads where
being exact would need a full symbol table (a fix then declines rather than breaks code).
"""

from __future__ import annotations

import ast
import builtins
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Nodes that open a scope of their own.
SCOPES = (*FUNCTIONS, ast.Lambda, ast.ClassDef, *COMPREHENSIONS)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
BUILTIN_NAMES = frozenset(dir(builtins))

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass
class ScopeFacts:
    """What the statements of one scope do, not counting the insides of nested scopes.

    A nested scope still contributes what its enclosing scope evaluates: decorators, default
    values, annotations, base classes, a comprehension's first iterable, and its own name.
    """

    bound: set[str] = field(default_factory=set)
    loaded: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    nested: list[ast.AST] = field(default_factory=list)
    # (name, node) for every binding site, for "is it bound again later?" questions.
    bindings: list[tuple[str, ast.AST]] = field(default_factory=list)
    star_import: bool = False


class _ScopeWalker:
    """Walks one scope's code without recursion, in the order of a recursive walk (the order
    `ScopeFacts.bindings` keeps): `pending` holds the nodes still to visit and the steps to
    take after some of them (a function of the walker and its node), next one last."""

    def __init__(self) -> None:
        self.facts = ScopeFacts()
        self.pending: list[ast.AST | tuple[Callable[[_ScopeWalker, Any], None], ast.AST]] = []

    def walk(self, root: ast.AST) -> None:
        pending = self.pending
        pending.append(root)
        while pending:
            item = pending.pop()
            if isinstance(item, tuple):
                item[0](self, item[1])
                continue
            handler = _SCOPE_WALKER_HANDLERS.get(item.__class__)
            if handler is None:
                self.push_children(item)
            else:
                handler(self, item)

    def push_children(self, node: ast.AST) -> None:
        self.pending.extend(reversed(list(ast.iter_child_nodes(node))))

    def _bind(self, name: str, node: ast.AST) -> None:
        self.facts.bound.add(name)
        self.facts.bindings.append((name, node))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.facts.loaded.add(node.id)
        else:
            self._bind(node.id, node)

    def _push_arguments(self, arguments: ast.arguments) -> None:
        """Walk the defaults, then the annotations, next."""
        parts = [d for d in (*arguments.defaults, *arguments.kw_defaults) if d is not None]
        parts += [arg.annotation for arg in _all_args(arguments) if arg.annotation is not None]
        self.pending.extend(reversed(parts))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.pending.append((_ScopeWalker._defined, node))
        if node.returns is not None:
            self.pending.append(node.returns)
        self._push_arguments(node.args)
        self.pending.extend(reversed(node.decorator_list))

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _defined(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.facts.nested.append(node)
        self._bind(node.name, node)

    def _nested(self, node: ast.AST) -> None:
        self.facts.nested.append(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.pending.append((_ScopeWalker._nested, node))
        self._push_arguments(node.args)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.pending.append((_ScopeWalker._defined, node))
        self.pending.extend(reversed((*node.decorator_list, *node.bases, *node.keywords)))

    def _visit_comprehension(self, node: ast.AST) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self.pending.append((_ScopeWalker._comprehension_walked, node))
        self.pending.append(generators[0].iter)

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_DictComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension

    def _comprehension_walked(self, node: ast.AST) -> None:
        # An assignment expression inside a comprehension binds in the enclosing scope.
        for inner in ast.walk(node):
            if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                self._bind(inner.target.id, inner.target)
        self.facts.nested.append(node)

    def _visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.facts.star_import = True
            else:
                self._bind(alias.asname or alias.name.split(".")[0], alias)

    visit_Import = _visit_import
    visit_ImportFrom = _visit_import

    def visit_Global(self, node: ast.Global) -> None:
        self.facts.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.facts.declared_nonlocal.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, node)
        self.push_children(node)

    def _visit_capture(self, node: ast.AST) -> None:
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name:
            self._bind(name, node)
        self.push_children(node)

    visit_MatchAs = _visit_capture
    visit_MatchStar = _visit_capture
    visit_MatchMapping = _visit_capture


# Node class → the walker's `visit_<class name>`.
_SCOPE_WALKER_HANDLERS: dict[type, Callable[[_ScopeWalker, Any], None]] = {
    node_class: handler
    for name, handler in vars(_ScopeWalker).items() if name.startswith("visit_")
    if isinstance(node_class := getattr(ast, name.removeprefix("visit_"), None), type)
}


def _all_args(arguments: ast.arguments) -> Iterator[ast.arg]:
    yield from arguments.posonlyargs
    yield from arguments.args
    if arguments.vararg is not None:
        yield arguments.vararg
    yield from arguments.kwonlyargs
    if arguments.kwarg is not None:
        yield arguments.kwarg


def parameter_names(arguments: ast.arguments) -> set[str]:
    return {arg.arg for arg in _all_args(arguments)}


def scope_facts(nodes: Iterable[ast.AST]) -> ScopeFacts:
    """Facts about `nodes` run in one scope (a statement list, or an expression)."""
    walker = _ScopeWalker()
    for node in nodes:
        walker.walk(node)
    return walker.facts


def bound_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Names that `nodes` bind in the scope they run in."""
    return scope_facts(nodes).bound


def scope_body(node: ast.AST) -> list[ast.AST]:
    """The parts of a scope node that run inside the scope itself."""
    if isinstance(node, ast.Lambda):
        return [node.body]
    if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
        return list(node.body)  # type: ignore[attr-defined]
    generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
    parts: list[ast.AST] = []
    for index, generator in enumerate(generators):
        parts.append(generator.target)
        if index:
            parts.append(generator.iter)
        parts.extend(generator.ifs)
    if isinstance(node, ast.DictComp):
        parts += [node.key, node.value]
    else:
        parts.append(node.elt)  # type: ignore[attr-defined]
    return parts


def local_names(scope: ast.AST, facts: ScopeFacts | None = None) -> set[str]:
    """Names local to a function, lambda or comprehension scope (parameters included);
    `facts` are the scope body's, when known."""
    if facts is None:
        facts = scope_facts(scope_body(scope))
    names = set(facts.bound)
    if isinstance(scope, (*FUNCTIONS, ast.Lambda)):
        names |= parameter_names(scope.args)
    if isinstance(scope, COMPREHENSIONS):
        # Only the loop targets are local; assignment expressions bind outside.
        names = bound_names(g.target for g in scope.generators)
    return names - facts.declared_global - facts.declared_nonlocal


def free_names(scope: ast.AST) -> set[str]:
    """Names the inside of a scope node reads from enclosing scopes (or globals/builtins)."""
    # What a scope reads from outside includes what its nested scopes do: each is worked
    # out after those nested in it, from a stack rather than by recursion.
    facts_of: dict[int, ScopeFacts] = {}
    free_of: dict[int, set[str]] = {}
    pending: list[ast.AST] = [scope]
    while pending:
        node = pending[-1]
        facts = facts_of.get(id(node))
        if facts is None:
            facts = facts_of[id(node)] = scope_facts(scope_body(node))
            pending.extend(facts.nested)
            continue
        pending.pop()
        inner: set[str] = set()
        for nested in facts.nested:
            inner |= free_of.pop(id(nested))
        declared = facts.declared_global | facts.declared_nonlocal
        if isinstance(node, ast.ClassDef):
            # A class body's names are not visible to the functions nested in it.
            free_of[id(node)] = (facts.loaded - facts.bound) | inner | declared
        else:
            free_of[id(node)] = ((facts.loaded | inner) - local_names(node, facts)) | declared
    return free_of[id(scope)]


def definition_reads(node: ast.AST) -> set[str]:
    """Names a def/class/lambda reads from outside: when it is defined or when it runs."""
    return scope_facts([node]).loaded | free_names(node)


def definition_time_reads(node: ast.AST) -> set[str]:
    """Names read when the def/class/lambda itself executes (decorators, defaults, bases)."""
    return scope_facts([node]).loaded


def uses_class_cell(node: ast.AST) -> bool:
    """True when `node` needs its class's `__class__` cell (zero-argument `super()`)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and inner.id == "__class__":
            return True
        if (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Name)
            and inner.func.id == "super"
            and not inner.args
        ):
            return True
    return False


# --- module-wide facts, computed once per tree -----------------------------------------------


@dataclass
class ModuleFacts:
    parents: dict[ast.AST, ast.AST]
    identifiers: frozenset[str]  # every name that appears anywhere, in any role
    loaded: frozenset[str]  # every name loaded anywhere (any scope)
    declared_global: frozenset[str]  # names in `global` statements anywhere


_FACTS: weakref.WeakKeyDictionary[ast.Module, ModuleFacts] = weakref.WeakKeyDictionary()


def module_facts(tree: ast.Module) -> ModuleFacts:
    cached = _FACTS.get(tree)
    if cached is not None:
        return cached
    parents: dict[ast.AST, ast.AST] = {}
    identifiers: set[str] = set()
    loaded: set[str] = set()
    declared_global: set[str] = set()
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
        if isinstance(node, ast.Name):
            identifiers.add(node.id)
            if isinstance(node.ctx, ast.Load):
                loaded.add(node.id)
        elif isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            identifiers.add(node.name)
        elif isinstance(node, ast.arg):
            identifiers.add(node.arg)
        elif isinstance(node, ast.alias):
            identifiers.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            identifiers.update(node.names)
            if isinstance(node, ast.Global):
                declared_global.update(node.names)
    facts = ModuleFacts(parents, frozenset(identifiers), frozenset(loaded),
                        frozenset(declared_global))
    _FACTS[tree] = facts
    return facts


def ancestors(tree: ast.Module, node: ast.AST) -> list[ast.AST]:
    """The nodes containing `node`, innermost first, ending with the module."""
    parents = module_facts(tree).parents
    chain = []
    while node in parents:
        node = parents[node]
        chain.append(node)
    return chain


def top_level_statement(tree: ast.Module, node: ast.AST) -> ast.stmt | None:
    """The statement of `tree.body` that contains `node` (None if node is not in the tree)."""
    chain = [node, *ancestors(tree, node)]
    if len(chain) < 2 or chain[-1] is not tree:
        return None
    top = chain[-2]
    return top if isinstance(top, ast.stmt) else None


def enclosing_scopes(tree: ast.Module, node: ast.AST) -> list[ast.AST]:
    """Function, lambda, class and comprehension scopes around `node`, innermost first."""
    return [parent for parent in ancestors(tree, node) if isinstance(parent, SCOPES)]


def enclosing_locals(tree: ast.Module, node: ast.AST) -> set[str]:
    """Names local to a function/lambda/comprehension around `node` (class scopes are skipped:
    code nested in a class cannot see its names)."""
    names: set[str] = set()
    for scope in enclosing_scopes(tree, node):
        if not isinstance(scope, ast.ClassDef):
            names |= local_names(scope)
    return names


def index_in(statements: list[ast.stmt], node: ast.AST) -> int | None:
    """Position of `node` in a statement list, by identity."""
    for index, statement in enumerate(statements):
        if statement is node:
            return index
    return None
