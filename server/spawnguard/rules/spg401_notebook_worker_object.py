"""A notebook sends one of its own classes or functions to spawned workers.

## What happens
In a notebook the main module is the kernel's `__main__` (built-in): spawned workers do not
re-run the notebook — which is why SPG101 does not apply there — but they cannot import it
either. A Dataset, `collate_fn`, `worker_init_fn`, process target or pool task defined in a
cell is pickled by reference to `__main__`, and every worker fails while unpickling it:

```
AttributeError: Can't get attribute 'MyDataset' on <module '__main__' (built-in)>
```

The DataLoader then reports `DataLoader worker (pid …) exited unexpectedly`. Under fork
(Linux up to Python 3.13) the notebook works, which hides the problem; with spawn (Windows,
macOS) or forkserver (Linux from Python 3.14) it fails. A main guard does not help here.

## Fix
- Move the definitions into a module next to the notebook and import them (quick fix *Move …
  to a new module*): the new module also gets the imports and constants they use. Workers
  import that module like any other.
- Or load the data in the notebook's own process: `num_workers=0` (quick fix).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, Fix, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.fixes.notebook_module import move_to_module, no_workers
from spawnguard.rules.base import Rule
from spawnguard.rules.common import sent_problems


def check(model: ModuleModel) -> Iterator[Finding]:
    problems = sent_problems(model, RULE.code)
    definitions = list(dict.fromkeys(p.definition for p in problems if p.definition))
    moves = LazyFixes(lambda: [fix] if (fix := move_to_module(model, definitions)) else [])
    for problem in problems:
        definition = problem.definition
        assert definition is not None
        fixes: Sequence[Fix] = moves
        start = problem.start
        if start is not None and start.kind == "dataloader" and start.creation is not None:
            fixes = moves + LazyFixes(lambda call=start.creation: [no_workers(model, call)])
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"{problem.what[0].upper()}{problem.what[1:]} is defined in this notebook and "
                f"sent to worker processes as `{problem.sent.role}`: spawned workers cannot "
                f"import the notebook and fail with AttributeError: Can't get attribute "
                f"'{definition.name}' on <module '__main__' (built-in)>. Move it to a module "
                "next to the notebook, or use num_workers=0."
            ),
            range=model.range(problem.sent.expr),
            related=(Related(model.range(definition.node),
                             f"`{definition.name}` is defined in the notebook"),),
            fixes=fixes,
        )


RULE = Rule(
    code="SPG401",
    name="notebook-worker-object",
    default_severity=Severity.ERROR,
    summary="A notebook sends one of its own classes or functions to spawned workers.",
    worker_effect=(
        "Workers cannot import the notebook: `AttributeError: Can't get attribute … on <module "
        "'__main__' (built-in)>`."
    ),
    fix_summary=(
        "Move the definition into a module next to the notebook and import it, or use "
        "`num_workers=0` (quick fixes)."
    ),
    check=check,
    prefilter=may_start_workers,
    applies_to_scripts=False,
)
