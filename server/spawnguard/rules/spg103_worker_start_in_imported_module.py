"""Importing a project module starts worker processes.

## What happens
A spawned worker re-runs the main script's top level, and with it every import the script
makes at module level. When a module of your project starts workers while it is imported —
its own module-level DataLoader loop, `Pool(...)` or `Process.start()`, directly or through a
module it imports in turn — every worker re-imports it and stops with:

```
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.
```

The module itself carries SPG101 at the start; this finding marks each import of it that runs
at import time, in any file, with the start as related location.

## Fix
Move the start in the imported module under its own `if __name__ == "__main__":` (or into a
function that the script calls from its guard). Importing the module inside the script's main
guard only hides the problem from that script.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.summaries import imported_project_modules
from spawnguard.rules.base import Rule
from spawnguard.rules.common import BOOTSTRAP_ERROR


def check(model: ModuleModel) -> Iterator[Finding]:
    reported: set[int] = set()
    for located, module, summary in imported_project_modules(model):
        site = summary.import_time_start
        if site is None or id(located.node) in reported:
            continue
        if not model.execution(located).at_import:
            continue
        reported.add(id(located.node))
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"Importing `{module}` starts worker processes ({site.description} at "
                f"{os.path.basename(site.path)}:{site.range.start.line}): under spawn every "
                f"worker re-imports this script, hence `{module}`, and fails with "
                f"{BOOTSTRAP_ERROR}. Move that start under the module's own main guard."
            ),
            range=model.range(located.node),
            related=(Related(site.range, "workers start here while the module is imported",
                             path=site.path),),
        )


RULE = Rule(
    code="SPG103",
    name="worker-start-in-imported-module",
    default_severity=Severity.ERROR,
    summary="Importing a project module starts worker processes.",
    worker_effect=(
        "Each worker re-imports this module, which starts workers again: `RuntimeError: … "
        "bootstrapping phase`."
    ),
    fix_summary=(
        'Guard the start inside the imported module with `if __name__ == "__main__":` (or a '
        "function the script calls)."
    ),
    check=check,
    prefilter=lambda text: False,  # only ever fires through the project's other modules
    cross_file=True,
    applies_to_notebooks=True,
)
