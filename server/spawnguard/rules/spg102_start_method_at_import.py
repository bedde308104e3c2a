"""`set_start_method()` runs while the script is being imported.

## What happens
A spawned child re-runs the main script's top level after multiprocessing has already set
its start method (to the parent's). A `multiprocessing.set_start_method("spawn")` (or
`torch.multiprocessing.set_start_method`) at module level therefore runs a second time in
every child and stops it with:

```
RuntimeError: context has already been set
```

The parent sees its workers die (`DataLoader worker … exited unexpectedly`,
`BrokenProcessPool`, a `Process` with exit code 1). `force=True` avoids the error, and
`set_start_method("fork")` is not re-run (forked children do not re-import the script).

## Fix
Call it once, in the parent: move the call to the top of `if __name__ == "__main__":`
(quick fix *Move into `if __name__ == "__main__":`*), before anything starts workers.

```python
if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, LazyFixes, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule
from spawnguard.rules.common import chain_related
from spawnguard.rules.fixing import move_into_guard_fixes


def _forced(call: ast.Call) -> bool:
    return any(k.arg == "force" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


def check(model: ModuleModel) -> Iterator[Finding]:
    for located, method in model.worker_facts.start_method_calls:
        call = located.node
        assert isinstance(call, ast.Call)
        if _forced(call) or method == "fork":
            continue
        execution = model.execution(located)
        if not execution.at_import:
            continue
        chain = [f"{edge.callee.name}()" for edge in execution.chain]
        where = f" ({' → '.join(chain)})" if chain else ""
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"set_start_method() runs at import time{where}: every spawned child re-runs "
                "it after its start method is set and dies with RuntimeError: context has "
                'already been set. Call it under `if __name__ == "__main__":` (or pass '
                "force=True)."
            ),
            range=model.range(call),
            related=chain_related(model, execution),
            fixes=() if chain else LazyFixes(
                lambda statement=located.top_statement: move_into_guard_fixes(model, statement)),
        )


RULE = Rule(
    code="SPG102",
    name="start-method-at-import",
    default_severity=Severity.ERROR,
    summary="set_start_method() runs while the script is being imported.",
    check=check,
    prefilter=may_start_workers,
)
