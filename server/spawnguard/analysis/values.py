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
    "sequence",  # a list/tuple built of `of`
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


    def is_instance_of(self, qualname: str) -> bool:
        return self.kind == "instance" and self.of is not None and self.of.qualname == qualname


UNKNOWN_VALUE = Value("unknown")


def api(qualname: str, start_method: str | None = None) -> Value:
    return Value("api", qualname=qualname, start_method=start_method)
