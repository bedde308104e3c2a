"""What the classes of this file store on their instances (`self.loader = DataLoader(...)`).

An attribute of an instance is known by every assignment to `self.<name>` in any method of
its class (and of the classes of this file it derives from), and by assignments in the class
body. Which of them ran last depends on the calls made, so the attribute's value is one of
them (`values.one_of`); a placeholder `None` counts for nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from spawnguard.analysis.scopes import Definition, Scope

# name → (assigned expression, the scope it is evaluated in), in source order per class.
StoredAttributes = dict[str, list[tuple[ast.expr, Scope]]]


def stored_attributes(lineage: list[Definition],
                      definition_of: Callable[[ast.AST], Definition | None]) -> StoredAttributes:
    """Every `self.<name> = value` of the classes in `lineage` (a class and its bases of this
    file), and every plain assignment of their class bodies."""
    stored: StoredAttributes = {}
    for cls in lineage:
        for name, bindings in cls.scope.bindings.items():
            for binding in bindings:
                if binding.kind == "assign" and binding.value is not None:
                    stored.setdefault(name, []).append((binding.value, cls.scope))
                elif binding.kind == "def":
                    method = definition_of(binding.node)
                    if method is not None:
                        for attribute, value in _self_assignments(method):
                            stored.setdefault(attribute, []).append((value, method.scope))
    return stored


def _self_assignments(method: Definition) -> Iterator[tuple[str, ast.expr]]:
    node = method.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    positional = [*node.args.posonlyargs, *node.args.args]
    decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    if not positional or decorators & {"staticmethod", "classmethod"}:
        return
    receiver = positional[0].arg
    for name, attribute, value in method.scope.attribute_stores or ():
        if name == receiver:
            yield attribute, value
