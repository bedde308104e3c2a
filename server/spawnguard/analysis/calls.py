"""The call graph of this file's functions, and what runs while the script imports.

A statement runs at import time when it is module-level code outside a correct main guard
(class bodies included), or inside a function of this file reachable by calls from there.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spawnguard.analysis.scopes import Definition, Located, Scope

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel


@dataclass(frozen=True, eq=False)
class CallEdge:
    caller: Definition | None  # None: module-level (or class-body) code
    callee: Definition
    call: Located


@dataclass(frozen=True)
class Execution:
    """How a node gets executed when the script is imported."""

    at_import: bool
    # Calls from module level down to the node's function: (call site, callee) pairs.
    chain: tuple[CallEdge, ...] = ()


def executing_function(scope: Scope) -> Definition | bool | None:
    """The function whose call runs code in `scope`; None for module level.

    False when the code only runs if a lambda is called (not tracked).
    """
    current: Scope | None = scope
    while current is not None:
        if current.kind == "function":
            return current.definition
        if current.kind == "lambda":
            return False
        current = current.parent
    return None


class CallGraph:
    def __init__(self, edges: list[CallEdge]) -> None:
        self.edges = edges
        self.callees: dict[Definition | None, list[CallEdge]] = {}
        for edge in edges:
            self.callees.setdefault(edge.caller, []).append(edge)
        self._import_paths = self._reach_from_import_time()

    def _reach_from_import_time(self) -> dict[Definition, tuple[CallEdge, ...]]:
        paths: dict[Definition, tuple[CallEdge, ...]] = {}
        queue: deque[Definition] = deque()
        for edge in self.callees.get(None, ()):
            if edge.call.region != "import":
                continue
            if edge.callee not in paths:
                paths[edge.callee] = (edge,)
                queue.append(edge.callee)
        while queue:
            current = queue.popleft()
            for edge in self.callees.get(current, ()):
                if edge.callee not in paths:
                    paths[edge.callee] = (*paths[current], edge)
                    queue.append(edge.callee)
        return paths

    def execution(self, located: Located) -> Execution:
        function = executing_function(located.scope)
        if function is False:
            return Execution(False)
        if function is None:
            return Execution(located.region == "import")
        assert isinstance(function, Definition)
        path = self._import_paths.get(function)
        return Execution(path is not None, path or ())

    def callers_of(self, definition: Definition) -> list[CallEdge]:
        return [e for e in self.edges if e.callee is definition]


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return "<call>"


def build_call_graph(model: ModuleModel) -> CallGraph:
    edges: list[CallEdge] = []
    for located in model.index.calls:
        call = located.node
        assert isinstance(call, ast.Call)
        caller = executing_function(located.scope)
        if caller is False:
            continue
        callee = callee_of(model, call, located.scope)
        if callee is not None:
            edges.append(CallEdge(caller if isinstance(caller, Definition) else None, callee,
                                  located))
    return CallGraph(edges)


def callee_of(model: ModuleModel, call: ast.Call, scope: Scope) -> Definition | None:
    """The function of this file a call runs (a class call runs its `__init__`)."""
    value = model.infer(call.func, scope)
    if value.kind == "definition" and value.definition is not None:
        definition = value.definition
        if definition.is_class:
            return model.class_member(definition, "__init__")
        return None if definition.is_lambda else definition
    if value.kind == "bound_method" and value.definition is not None:
        return value.definition
    return None
