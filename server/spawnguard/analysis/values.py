"""Static values: what an expression evaluates to, as far as the rules need to know.

Inference follows names through imports and simple assignments, calls of known APIs, and
classes and functions of this file. Anything else is `UNKNOWN_VALUE`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from spawnguard.analysis.scopes import Definition, Scope

ValueKind = Literal[
    "api",  # a known module, function or class by qualified name
    "definition",  # a function, class or lambda of this file
    "instance",  # the result of calling `of` (an api or a class of this file)
    "partial",  # functools.partial(of, ...)
    "bound_method",  # `of` (an instance) . name
    "context",  # multiprocessing.get_context(...)
    "namespace",  # argparse's parse_args() result; `of` is the parser instance
    "sequence",  # a list/tuple built of `of` (its first element's value); see `source`
    "mapping",  # a dict literal, comprehension or `dict(k=v)` call: see `source`
    "either",  # one of `items` (an element of a container whose elements differ)
    "literal",
    "foreign",  # a value made in another module of the project: see `foreign`
    "unknown",
]


@dataclass(frozen=True, eq=False)
class Value:
    kind: ValueKind
    qualname: str | None = None
    definition: Definition | None = None
    of: Value | None = None
    call: ast.Call | None = None  # the call that created an instance / partial
    literal: object = None
    start_method: str | None = None  # from an explicit context
    attribute: str | None = None  # bound method name
    scope: Scope | None = None  # where `call` is evaluated
    # Facts about a value made in another project module (a LoaderFactory or
    # UnpicklableFactory from `analysis.project`).
    foreign: object = None
    # The alternatives of an `either`.
    items: tuple[Value, ...] = ()
    # The literal or comprehension that built a sequence or mapping (evaluated in `scope`):
    # its elements are inferred only when one is asked for (`ModuleModel.element_value`).
    source: ast.expr | None = None

    def is_instance_of(self, qualname: str) -> bool:
        return self.kind == "instance" and self.of is not None and self.of.qualname == qualname


UNKNOWN_VALUE = Value("unknown")


def one_of(values: list[Value]) -> Value:
    """A value known to be one of `values` (each counted once): the value itself when there
    is only one."""
    distinct: list[Value] = []
    for value in values:
        for alternative in value.items if value.kind == "either" else (value,):
            if all(alternative is not seen for seen in distinct):
                distinct.append(alternative)
    if not distinct:
        return UNKNOWN_VALUE
    return distinct[0] if len(distinct) == 1 else Value("either", items=tuple(distinct))


def api(qualname: str, start_method: str | None = None) -> Value:
    return Value("api", qualname=qualname, start_method=start_method)
