"""Which DataLoaders a value may be.

A value reached through a container or an attribute may be one of several loaders
(`values.one_of`); each is a candidate. An instance of a DataLoader subclass of this file
(known by its bases' qualified names, so every import form and alias counts) is a DataLoader
made by the call whose arguments reach `DataLoader.__init__`:

- the instantiation itself when no class of the lineage defines `__init__`, or when that
  `__init__` forwards exactly its `*args, **kwargs` to `super().__init__`;
- else the `super().__init__(...)` call in that `__init__` (what it passes from its own
  parameters is not known statically: the count is then unknown).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from spawnguard.analysis import apis
from spawnguard.analysis.scopes import Definition, own_nodes
from spawnguard.analysis.values import Value, api

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel


def loader_candidates(model: ModuleModel, value: Value) -> list[Value]:
    """The DataLoaders `value` may be, each as an instance of `DataLoader` with the call
    whose arguments configure it."""
    found = []
    for candidate in value.items if value.kind == "either" else (value,):
        if candidate.is_instance_of(apis.DATALOADER):
            found.append(candidate)
        elif candidate.kind == "instance" and candidate.of is not None \
                and candidate.of.kind == "definition":
            made = _subclass_loader(model, candidate)
            if made is not None:
                found.append(made)
    return found


def _subclass_loader(model: ModuleModel, instance: Value) -> Value | None:
    assert instance.of is not None
    definition = instance.of.definition
    if definition is None or not definition.is_class or instance.call is None \
            or apis.DATALOADER not in model.base_qualnames(definition):
        return None
    loader = api(apis.DATALOADER)
    init = model.class_member(definition, "__init__")
    if init is None:
        return Value("instance", of=loader, call=instance.call, scope=instance.scope)
    super_call = _super_init_call(init)
    if super_call is None:
        return None
    if _forwards_all_arguments(init, super_call):
        return Value("instance", of=loader, call=instance.call, scope=instance.scope)
    return Value("instance", of=loader, call=super_call, scope=init.scope)


def _super_init_call(init: Definition) -> ast.Call | None:
    """The first `super().__init__(...)` (or `super(Cls, self).__init__(...)`) in `init`."""
    node = init.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    calls = [n for n in own_nodes(*node.body) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__"
             and isinstance(n.func.value, ast.Call)
             and isinstance(n.func.value.func, ast.Name) and n.func.value.func.id == "super"]
    return min(calls, key=lambda c: (c.lineno, c.col_offset)) if calls else None


def _forwards_all_arguments(init: Definition, super_call: ast.Call) -> bool:
    """`def __init__(self, *args, **kwargs): super().__init__(*args, **kwargs)`."""
    node = init.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    arguments = node.args
    if len([*arguments.posonlyargs, *arguments.args]) != 1 or arguments.kwonlyargs:
        return False
    varargs = arguments.vararg.arg if arguments.vararg else None
    kwargs = arguments.kwarg.arg if arguments.kwarg else None
    passed_args = [a.value.id for a in super_call.args if isinstance(a, ast.Starred)
                   and isinstance(a.value, ast.Name)]
    passed_kwargs = [k.value.id for k in super_call.keywords if k.arg is None
                     and isinstance(k.value, ast.Name)]
    return (passed_args == ([varargs] if varargs else []) and len(super_call.args) ==
            len(passed_args) and passed_kwargs == ([kwargs] if kwargs else [])
            and len(super_call.keywords) == len(passed_kwargs))
