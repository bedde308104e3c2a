"""A dataset sent to DataLoader workers holds state that cannot be pickled.

## What happens
With `num_workers > 0` under spawn or forkserver, the DataLoader pickles the dataset object
to send it to each worker. Its instance state must pickle too, and some things never do: an
open file, a generator, a `threading` lock/condition/event, a `sqlite3` connection, an `lmdb`
environment, an `h5py` file, a lambda or nested function stored on `self` — or passed to the
constructor (`MyDataset(transform=lambda x: …)`):

```
TypeError: cannot pickle '_io.TextIOWrapper' object
TypeError: cannot pickle '_thread.lock' object
```

Under fork the workers inherit the dataset instead, so the bug stays hidden on Linux.
Classes that define `__getstate__`, `__reduce__` or `__reduce_ex__` are trusted to handle it.

## Fix
Open the resource lazily in the worker — in `__getitem__` (open on first use) or in a
`worker_init_fn` — or drop it from the pickled state in `__getstate__` and reopen it after.
Replace a lambda by a module-level function.

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

import os
from collections.abc import Iterator, Sequence

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, Fix, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import PickleProblem
from spawnguard.rules.base import Rule
from spawnguard.rules.common import foreign_related, sent_problems
from spawnguard.rules.fixing import lift_fixes

_LAZY_ADVICE = (
    "open it lazily in `__getitem__` or a `worker_init_fn`, or drop it in `__getstate__`"
)


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
            fixes: Sequence[Fix] = LazyFixes(lambda problem=problem: lift_fixes(model, problem))
        else:
            message = (
                f"Dataset `{dataset.name}` stores {problem.what} in `self.{problem.attribute}`, "
                "which cannot be pickled for DataLoader workers (TypeError: cannot pickle …): "
                f"{_LAZY_ADVICE}."
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


def _foreign_finding(model: ModuleModel, problem: PickleProblem) -> Finding:
    site = problem.foreign_site
    assert site is not None
    holder = f"`self.{problem.attribute}`" if problem.attribute else "its state"
    return Finding(
        code=RULE.code,
        severity=RULE.default_severity,
        message=(
            f"The dataset stores {problem.what} in {holder} ({os.path.basename(site.path)}:"
            f"{site.range.start.line}), which cannot be "
            f"pickled for DataLoader workers (TypeError: cannot pickle …): {_LAZY_ADVICE}."
        ),
        range=model.range(problem.sent.expr),
        related=foreign_related(problem),
    )


RULE = Rule(
    code="SPG203",
    name="unpicklable-dataset-state",
    default_severity=Severity.ERROR,
    summary="A dataset sent to DataLoader workers holds state that cannot be pickled.",
    check=check,
    prefilter=may_start_workers,
    cross_file=True,
)
