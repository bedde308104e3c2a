"""The call graph of this file's functions, and what runs while the script imports.

A statement runs at import time when it is module-level code outside a correct main guard
(class bodies included), or code of a function of this file reachable by calls from there
that is not itself under a main guard. A call under a main guard (at any depth, in a function
too) leads nowhere at import time: a function whose every call path passes through one is not
import-time code.
"""

from __future__ import annotations

import ast
import weakref
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
    """Calls between this file's functions, inferred lazily: only the calls made by module-level
    code and by the functions reached from it (or asked about) are ever inferred."""

    def __init__(self, model: ModuleModel, calls_by_caller: dict[Definition | None,
                                                              list[Located]]) -> None:
        # Weak: the model owns its call graph (a strong link back would make every model a
        # reference cycle, freed only by the cyclic garbage collector).
        self._model = weakref.ref(model)
        self._calls_by_caller = calls_by_caller
        self._edges: dict[Definition | None, list[CallEdge]] = {}
        self._import_paths: dict[Definition, tuple[CallEdge, ...]] | None = None

    @property
    def model(self) -> ModuleModel:
        model = self._model()
        assert model is not None, "a call graph used after its model was dropped"
        return model

    def edges_from(self, caller: Definition | None) -> list[CallEdge]:
        """The calls `caller` (None: module-level code) makes to functions of this file."""
        if caller not in self._edges:
            edges = []
            for located in self._calls_by_caller.get(caller, ()):
                call = located.node
                assert isinstance(call, ast.Call)
                callee = callee_of(self.model, call, located.scope)
                if callee is not None:
                    edges.append(CallEdge(caller, callee, located))
            self._edges[caller] = edges
        return self._edges[caller]

    def _reach_from_import_time(self) -> dict[Definition, tuple[CallEdge, ...]]:
        paths: dict[Definition, tuple[CallEdge, ...]] = {}
        queue: deque[Definition] = deque()
        for edge in self.edges_from(None):
            if edge.call.region != "import":
                continue
            if edge.callee not in paths:
                paths[edge.callee] = (edge,)
                queue.append(edge.callee)
        while queue:
            current = queue.popleft()
            for edge in self.edges_from(current):
                if edge.call.guard is not None:
                    continue  # runs only when the script is __main__
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
        if located.guard is not None:
            return Execution(False)
        assert isinstance(function, Definition)
        if self._import_paths is None:
            self._import_paths = self._reach_from_import_time()
        path = self._import_paths.get(function)
        return Execution(path is not None, path or ())



def build_call_graph(model: ModuleModel) -> CallGraph:
    """Group the calls by the function that makes them; only a call that names a function or
    class of this file (or a name bound to one) can reach one, so the rest are dropped here."""
    names = {d.name for d in model.index.definitions if not d.is_lambda}
    names |= {  # `run = main` then `run()`
        binding.name for scope in model.index.all_scopes for bindings in scope.bindings.values()
        for binding in bindings
        if isinstance(binding.value, ast.Name | ast.Attribute) and (
            getattr(binding.value, "id", None) in names
            or getattr(binding.value, "attr", None) in names)}
    calls_by_caller: dict[Definition | None, list[Located]] = {}
    for located in model.index.calls_named(names | {None}):
        caller = executing_function(located.scope)
        if caller is False:
            continue
        calls_by_caller.setdefault(caller if isinstance(caller, Definition) else None,
                                   []).append(located)
    return CallGraph(model, calls_by_caller)


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
