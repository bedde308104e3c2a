"""The code asks for the `fork` start method explicitly.

## What happens
`multiprocessing.get_context("fork")`, `set_start_method("fork")`,
`DataLoader(multiprocessing_context="fork")`, `mp_context=get_context("fork")` — and the
framework calls that fork: Lightning's `strategy="ddp_fork"`/`"ddp_notebook"`, transformers'
`TrainingArguments(dataloader_multiprocessing_context="fork")`, accelerate's
`notebook_launcher(num_processes>1)` and `debug_launcher` (they fork on CPU, CUDA and MPS,
also in a script) — make the code run on Linux only:

- on Windows there is no fork: `ValueError: cannot find context for 'fork'`;
- on macOS fork is unsafe with threads and system frameworks (the reason spawn became the
  default there in Python 3.8) and can crash or deadlock;
- from Python 3.14, Linux defaults to `forkserver`; asking for fork still works there.

spawnguard honours the explicit choice: the workers of such a start are not re-imported, so
SPG101 and SPG201 do not apply to them. This finding is information only.

## Fix
Prefer `"spawn"` (or `"forkserver"`) and keep the code spawn-safe, or keep fork knowingly and
suppress this finding (`# spawnguard: ignore[SPG601]`).
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule


def check(model: ModuleModel) -> Iterator[Finding]:
    for _located, node, what in model.worker_facts.fork_requests:
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"{what} makes this code Linux-only: fork does not exist on Windows "
                "(ValueError: cannot find context for 'fork') and is unsafe on macOS."
            ),
            range=model.range(node),
        )


RULE = Rule(
    code="SPG601",
    name="fork-only-context",
    default_severity=Severity.INFORMATION,
    summary="The code asks for the fork start method explicitly.",
    worker_effect=(
        "The workers are forked: this runs on Linux only (no fork on Windows; unsafe on macOS)."
    ),
    fix_summary=(
        'Use `"spawn"` or `"forkserver"` and keep the code spawn-safe, or keep fork and suppress '
        "this finding."
    ),
    check=check,
    prefilter=may_start_workers,
)
