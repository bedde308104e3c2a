"""Module-level work that every spawned worker repeats.

## What happens
A script that starts worker processes under spawn or forkserver is re-run, top level and all,
in every worker. Module-level statements outside the main guard — building a model, loading a
dataset, downloading files, `parse_args()`, printing, loops — run again in each worker: slow
start-up, doubled memory, repeated downloads or log lines, and surprises such as
`parse_args()` reading the worker's command line. Imports, `def`/`class` statements and
assignments of constant expressions are cheap and are not reported, nor is what a main guard
keeps out of the workers however it is written (`__name__ == "__main__" and main()`, a
`case "__main__":`, a bare `run()` whose body is all under `if __name__ == "__main__":`).

This is a hint (not an error): the script still works. It is reported once per script, with
the statements as related locations. Statements that already carry SPG101 or SPG102 are
not repeated here.

## Fix
Move the work under `if __name__ == "__main__":` (or into `main()`), keeping at module level
only what the worker code needs (the dataset class, collate functions and the constants they
read). The quick fix *Move import-time work under `if __name__ == "__main__":`* does that.
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, Fix, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.toplevel import work_statements
from spawnguard.rules.base import Rule
from spawnguard.rules.common import first_line_range, spawning_starts
from spawnguard.rules.fixing import guard_fixes


def _statements_with_starts(model: ModuleModel) -> set[int]:
    """Top-level statements where SPG101 or SPG102 already report (a start, its call chain,
    a set_start_method call)."""
    ids = {id(located.top_statement) for located, _ in model.worker_facts.start_method_calls
           if model.execution(located).at_import}
    for start in spawning_starts(model):
        execution = model.execution(start.located)
        if execution.at_import:
            entry = execution.chain[0].call if execution.chain else start.located
            ids.add(id(entry.top_statement))
    return ids


def check(model: ModuleModel) -> Iterator[Finding]:
    if not spawning_starts(model):
        return
    reported = _statements_with_starts(model)
    statements = [s for s in work_statements(model) if id(s) not in reported]
    if not statements:
        return
    count = len(statements)
    noun = "statement runs" if count == 1 else "statements run"

    def move_work() -> list[Fix]:
        wrap = guard_fixes(model, statements[0])[:1]
        return [Fix("Move import-time work under `if __name__ == \"__main__\":`",
                    wrap[0].edits, preferred=False)] if wrap else []

    yield Finding(
        code=RULE.code,
        severity=RULE.default_severity,
        message=(
            f"{count} module-level {noun} again in every worker process this script starts "
            '(spawn re-imports the script). Move the work under `if __name__ == "__main__":`.'
        ),
        range=first_line_range(model, statements[0]),
        related=tuple(Related(first_line_range(model, s), "re-executed in every worker")
                      for s in statements),
        fixes=LazyFixes(move_work),
    )


RULE = Rule(
    code="SPG501",
    name="import-time-work",
    default_severity=Severity.HINT,
    summary="Module-level work that every spawned worker repeats.",
    worker_effect=(
        "Every worker repeats this module-level work when it starts: slower start-up, more "
        "memory, repeated side effects."
    ),
    fix_summary=(
        'Move it under `if __name__ == "__main__":` or into `main()` (quick fix, Ctrl+.).'
    ),
    check=check,
    prefilter=may_start_workers,
    cross_file=True,
    applies_to_notebooks=False,
)
