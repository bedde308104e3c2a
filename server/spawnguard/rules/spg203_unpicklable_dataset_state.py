"""A dataset sent to DataLoader workers holds state that cannot be pickled.

## What happens
With `num_workers > 0` under spawn or forkserver, the DataLoader pickles the dataset object
to send it to each worker. Its instance state must pickle too, and some things never do: an
open file (`open(…)`, `Path(…).open()`), a generator, a `threading` lock/condition/event, a
`sqlite3` connection, an `lmdb` environment, an `h5py` file, a lambda or nested function stored
on `self` — or passed to the constructor (`MyDataset(transform=lambda x: …)`, also inside a
list or tuple argument):

```
TypeError: cannot pickle '_io.TextIOWrapper' object
TypeError: cannot pickle '_thread.lock' object
AttributeError: Can't pickle local object 'MyDataset.__init__.<locals>.<lambda>'
```

A dataset wrapped by `torch.utils.data.Subset`, `random_split` or `ConcatDataset` travels
with its wrapper and is checked the same way.

Under fork the workers inherit the dataset instead, so the bug stays hidden on Linux.
Classes that define `__getstate__`, `__reduce__` or `__reduce_ex__` are trusted to handle it.
What counts is the value `__init__` leaves: a file it closes and then replaces
(`self.file = None`) in its own top-level statements is fine.

## Fix
Open the resource lazily in the worker — in `__getitem__` (open on first use) or in a
`worker_init_fn` — or drop it from the pickled state in `__getstate__` and reopen it after.
Replace a lambda or nested function by a module-level function (pickle stores functions by
name; the fix offered for a lambda argument does this, naming the function after the keyword).

```python
class Lines(Dataset):
    def __init__(self, path):
        self.path = path
        self.file = None

    def __getitem__(self, index):
        if self.file is None:
            self.file = open(self.path)
        ...
```
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, Fix, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import PickleProblem
from spawnguard.analysis.scopes import Definition, Scope
from spawnguard.rules.base import Rule
from spawnguard.rules.common import foreign_related, sent_problems
from spawnguard.rules.fixing import lift_fixes

_LAZY_ADVICE = (
    "open it lazily in `__getitem__` or a `worker_init_fn`, or drop it in `__getstate__`"
)
_FUNCTION_ADVICE = "define it as a module-level function and store that instead"
_FUNCTIONS = ("a lambda", "a nested function")


def check(model: ModuleModel) -> Iterator[Finding]:
    for problem in sent_problems(model, RULE.code):
        dataset = problem.definition
        if problem.foreign_site is not None:
            yield _foreign_finding(model, problem)
            continue
        assert problem.culprit is not None and dataset is not None
        if not dataset.is_class:  # a lambda or nested function given to the constructor
            given_as = (problem.attribute if (problem.attribute or "").startswith("argument")
                        else f"`{problem.attribute}`")
            message = (
                f"The dataset is built with {problem.what} as {given_as}, which "
                "cannot be pickled for DataLoader workers. Use a module-level function."
            )
            related_text = f"{problem.what} passed here"
            # Lifting one of several functions (`Pipeline([lambda …, lambda …])`) would leave
            # the finding in place: then no lift is offered.
            fixes: Sequence[Fix] = LazyFixes(
                lambda problem=problem: lift_fixes(model, _named_after_keyword(problem))
            ) if _functions_beside(model, problem.culprit) == 1 else ()
        else:
            error, advice = _error_and_advice(problem.what, problem.stored)
            message = (
                f"Dataset `{dataset.name}` stores {problem.what} in `self.{problem.attribute}`, "
                f"which cannot be pickled for DataLoader workers ({error}): {advice}."
            )
            related_text = f"`self.{problem.attribute}` holds {problem.what}"
            fixes = ()
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=message,
            range=model.range(problem.sent.expr),
            related=(Related(model.range(problem.culprit), related_text),),
            fixes=fixes,
        )


def _functions_beside(model: ModuleModel, culprit: ast.AST) -> int:
    """How many lambdas and local functions the list, tuple or set literal holding `culprit`
    (a lambda) holds, itself included; 1 when it is not in one."""
    definition = model.definition(culprit)
    if definition is None:
        return 1
    for node in ast.walk(definition.top_statement):
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
                element is culprit for element in node.elts):
            return sum(_is_local_function(model, element, definition.parent)
                       for element in node.elts)
    return 1


def _is_local_function(model: ModuleModel, expr: ast.expr, scope: Scope) -> bool:
    if isinstance(expr, ast.Lambda):
        return True
    value = model.infer(expr, scope)
    found = value.definition if value.kind == "definition" else None
    return found is not None and not found.is_class and found.placement == "local"


def _named_after_keyword(problem: PickleProblem) -> PickleProblem:
    """The lifted function of `MyDataset(transform=lambda …)` is named after the keyword."""
    keyword = problem.attribute
    if not keyword or keyword.startswith("argument"):
        return problem
    return replace(problem, sent=replace(problem.sent, role=keyword))


def _error_and_advice(what: str, stored: Definition | None) -> tuple[str, str]:
    """The error pickling raises for this kind of state, and how to avoid it."""
    if what not in _FUNCTIONS:
        return "TypeError: cannot pickle …", _LAZY_ADVICE
    if stored is not None and stored.placement != "local":
        # A module-level lambda: pickle looks for it by the name `<lambda>`.
        return ("PicklingError: Can't pickle <function <lambda>>: attribute lookup <lambda> "
                "on __main__ failed"), _FUNCTION_ADVICE
    name = _local_qualname(stored) if stored is not None else None
    return f"AttributeError: Can't pickle local object '{name or '…<locals>…'}'", \
        _FUNCTION_ADVICE


def _local_qualname(definition: Definition) -> str | None:
    """The `__qualname__` Python gives a function defined inside others."""
    parts = [definition.name]
    scope = definition.parent
    while scope.parent is not None:  # up to the module
        owner = scope.definition
        if owner is None:  # a comprehension: its name differs between Python versions
            return None
        if scope.kind != "class":
            parts.append("<locals>")
        parts.append(owner.name)
        scope = scope.parent
    return ".".join(reversed(parts))


def _foreign_finding(model: ModuleModel, problem: PickleProblem) -> Finding:
    site = problem.foreign_site
    assert site is not None
    holder = f"`self.{problem.attribute}`" if problem.attribute else "its state"
    error, advice = _error_and_advice(problem.what, None)
    return Finding(
        code=RULE.code,
        severity=RULE.default_severity,
        message=(
            f"The dataset stores {problem.what} in {holder} ({os.path.basename(site.path)}:"
            f"{site.range.start.line}), which cannot be "
            f"pickled for DataLoader workers ({error}): {advice}."
        ),
        range=model.range(problem.sent.expr),
        related=foreign_related(problem),
    )


RULE = Rule(
    code="SPG203",
    name="unpicklable-dataset-state",
    default_severity=Severity.ERROR,
    summary="A dataset sent to DataLoader workers holds state that cannot be pickled.",
    worker_effect="The dataset cannot be pickled for the workers: `TypeError: cannot pickle …`.",
    fix_summary=(
        "Open the resource lazily in `__getitem__` or `worker_init_fn`, or leave it out in "
        "`__getstate__`."
    ),
    check=check,
    prefilter=may_start_workers,
    cross_file=True,
)
