"""A class or function defined inside the main guard is sent to worker processes.

## What happens
pickle sends classes and functions by reference: the child re-imports the script as
`__mp_main__` and looks the name up there. A spawned child does **not** run the
`if __name__ == "__main__":` block, so a definition that lives inside it does not exist in the
child, and unpickling fails:

```
AttributeError: Can't get attribute 'MyDataset' on <module '__mp_main__' from 'train.py'>
```

The parent sees `DataLoader worker (pid …) exited unexpectedly`, `BrokenProcessPool`, or a
`Process` that exits with code 1. Under fork the child inherits the parent's memory, which
hides the bug on Linux.

## Fix
Move the definition out of the guard, to module level above it (quick fix *Move definition
above the main guard*). The fix is not offered when the definition reads names that are only
assigned inside the guard (the child would not have those either).
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule
from spawnguard.rules.common import sent_problems
from spawnguard.rules.fixing import move_out_of_guard_fixes


def check(model: ModuleModel) -> Iterator[Finding]:
    for problem in sent_problems(model, RULE.code):
        definition = problem.definition
        assert definition is not None
        message = (
            f"{problem.what[0].upper()}{problem.what[1:]} is sent to worker processes as "
            f"`{problem.sent.role}`, but `{definition.name}` is defined inside "
            '`if __name__ == "__main__":`, which spawned children do not run: unpickling fails '
            f"with AttributeError: Can't get attribute '{definition.name}' on <module "
            "'__mp_main__'>. Define it above the guard."
        )
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=message,
            range=model.range(problem.sent.expr),
            related=(Related(model.range(definition.node),
                             f"`{definition.name}` is defined inside the main guard"),),
            fixes=LazyFixes(lambda problem=problem: move_out_of_guard_fixes(model, problem)),
        )


RULE = Rule(
    code="SPG202",
    name="defined-inside-guard",
    default_severity=Severity.ERROR,
    summary="A class or function defined inside the main guard is sent to worker processes.",
    worker_effect=(
        "The worker does not run the main guard, so unpickling fails: `AttributeError: Can't get "
        "attribute … on <module '__mp_main__'>`."
    ),
    fix_summary="Move the definition above the main guard (quick fix, Ctrl+.).",
    check=check,
    prefilter=may_start_workers,
)
