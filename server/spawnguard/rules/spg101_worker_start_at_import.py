"""Worker processes are started while the script is being imported.

## What happens
Under the `spawn` start method (the default on Windows and macOS) and under `forkserver`
(the default on Linux from Python 3.14), every worker process starts a fresh interpreter and
**re-runs the main script's top level** (as `__mp_main__`) before it can receive its task.
When that top level itself starts workers — iterates a `DataLoader(num_workers>0)`, calls
`Process.start()`, creates a `Pool` or `Manager`, starts a `BaseManager`/`SyncManager` (or a
subclass) with `start()` or `with` (each starts a server process), submits to a
`ProcessPoolExecutor`, calls `torch.multiprocessing.spawn`, or calls a framework entry point
that does one of these for it — the child reaches the same line and stops with:

```
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.
```

The parent then sees `RuntimeError: DataLoader worker (pid(s) …) exited unexpectedly`,
`concurrent.futures.process.BrokenProcessPool`, or a `Pool` that respawns workers forever.
A DataLoader is followed wherever the file keeps it: in a name; on an object
(`self.train_loader = DataLoader(...)` in any method or the class body, of the class or a base
class of this file, read in a method that module-level code runs, as in `Trainer().fit()`);
in a dict or list literal or comprehension (`loaders[phase]`, `.values()`, `.items()`,
`.get()`, `enumerate`/`zip` unpacking; a literal or constant key picks its own entry, a loop
variable any); returned by a function or method (`self.make_loader()`); or made from a
`DataLoader` subclass of the file (known by its bases' qualified names, so every import form
and alias counts; a subclass with its own `__init__` is configured by its
`super().__init__(...)` call unless it only forwards `*args, **kwargs`). It starts its workers
where it is iterated: `for`, comprehensions, `iter()` (`next(iter(...))`), `list()`,
`enumerate()`, `zip()`, `itertools.islice()` — these call `iter()` at once — or passed to a
function of the file that iterates it. A `tqdm(loader)` progress bar starts them only when the
bar is iterated; the finding points at the loader inside it. Not followed: a loader stored on
an object from outside its class (`trainer.loader = ...`), or into a container item by item
(`loaders["train"] = ...`).

The framework entry points, known by qualified name whatever the import form
(`import lightning as L`, `pytorch_lightning`, `from datasets import Dataset`, …):

- Lightning `Trainer.fit/validate/test/predict` iterate the DataLoaders passed to them, or
  those a `LightningDataModule`'s (`datamodule=dm`, or `fit(model, dm)`) — else the model's —
  `train_dataloader()`/`val_dataloader()`/`test_dataloader()`/`predict_dataloader()` return:
  a start when such a loader has workers.
- Lightning with `strategy="ddp_spawn"` (or `DDPStrategy(start_method="spawn")`) starts its
  processes with spawn on every platform: the loop call is a start even with `num_workers=0`,
  and Lightning stops each re-imported copy with "Launching multiple processes with the
  'spawn' start method requires that your script guards the main function". The default for
  `accelerator="cpu", devices=2` in a script, `"ddp"`, re-runs the script with `subprocess`
  as `__main__` and is not reported.
- Hugging Face `Dataset.map/filter(..., num_proc=N)` (and `DatasetDict`'s) start a pool of
  `N` processes — from datasets 4.1 also for `num_proc=1`; `None`, `0` or omitted: none. Its
  `multiprocess` pool forks on Linux and macOS and spawns on Windows.
- transformers `Trainer(...).train()`, `.evaluate()`, `.predict()` iterate DataLoaders with
  the `dataloader_num_workers` of their `TrainingArguments` (default 0: nothing).
- accelerate's `notebook_launcher(num_processes>1)` and `debug_launcher` fork on CPU, CUDA
  and MPS: not a start here, but SPG601.

The code also counts as starting at import time when it sits in a function of the same file
that module-level code calls (`def main(): …` followed by a bare `main()`): the message names
the call chain. On Linux with Python ≤ 3.13 the default `fork` hides the bug.

A start is guarded — not reported — when a correct main guard keeps it out of the children,
at any depth: in an `if __name__ == "__main__":` inside the called function, in
`main() if __name__ == "__main__" else None`, `__name__ == "__main__" and main()` or
`__name__ != "__main__" or main()`, or in `case "__main__":` of `match __name__:`. A function
whose every call path passes through such a guard is not import-time code.
`__name__ == "__main__" or main()`, the `else` of a correct guard and `case _:` after
`case "__main__":` run in exactly the children.

Severity: **error** when the worker count is known to be > 0 or the API always spawns;
**warning** when the file does not decide the count. The count is known when `num_workers=` is
a literal or an expression of module constants the analyser folds: `NUM_WORKERS = 0 if DEBUG
else 4` with `DEBUG = True`, `min(4, NUM_WORKERS)` / `max(...)`, `CONFIG["workers"]` or
`CONFIG.get("workers", 0)` in a literal dict nothing in the file changes, `SIZES[1]` in a
literal tuple, arithmetic, and names through straight-line reassignments (`N = 4` then `N = 0`:
0) and `if` blocks whose test folds. An argparse option counts as its `default=`
(`num_workers=args.workers` with `default=4` is an error: that is what the script runs with
when the option is not given; without a `default=` it is a warning). The message shows the
folded value (`num_workers=NUM_WORKERS (= 4)`). Not known: a parameter, `os.cpu_count()`,
`**cfg`, an imported constant, a name reassigned in a way that cannot be folded (`+=`, a loop,
`global` in a function, a test that does not fold with different values), a dict or list the
file changes (`CONFIG["workers"] = 0`, `CONFIG.update(...)`, `cfg = CONFIG`). A count that
folds to 0 in every case starts no workers: no SPG101 and no SPG201 for that loader.
Constructing a `DataLoader` or calling `len()` on it starts nothing; `num_workers=0` never
starts workers. A `Pool(processes=...)` or `ProcessPoolExecutor(max_workers=...)` whose count
folds below 1 raises `ValueError` before starting any worker: not reported.

## Fix
Run the job only in the parent: put the statements that start it under
`if __name__ == "__main__":` (quick fix *Wrap in `if __name__ == "__main__":`*), or move them
into `def main():` called from the guard (quick fix *Extract into `def main():`*). The fix
keeps imports, definitions and every module-level name the worker code reads at top level,
with every statement that may write such a name (assigns it, stores into its items or
attributes, calls a method on it, calls a function of the file that sets it) and what those
statements read; when that includes the worker start itself, no fix is offered. Statements
go into an existing plain guard (or the `else` of `if __name__ != "__main__":`) in execution
order, never into a guard with extra conditions, and never past kept work or another guard.
Statements sharing a line move together.

```python
loader = DataLoader(ds, num_workers=2)

if __name__ == "__main__":
    for batch in loader:
        train_step(batch)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule
from spawnguard.rules.common import (
    BOOTSTRAP_ERROR,
    chain_related,
    chain_text,
    describe_start,
    spawning_starts,
)
from spawnguard.rules.fixing import guard_fixes


def check(model: ModuleModel) -> Iterator[Finding]:
    for start in spawning_starts(model):
        execution = model.execution(start.located)
        if not execution.at_import:
            continue
        chain = chain_text(execution, start)
        where = f" ({chain})" if chain else ""
        method = model.start_method(start)
        message = (
            f"Worker start at import time{where}: {describe_start(model, start)} runs while "
            f"the script is imported; under {method} each worker re-imports the script, "
            f"reaches it again and fails with {BOOTSTRAP_ERROR}. "
            'Run it under `if __name__ == "__main__":`.'
        )
        certain = start.workers == "certain" or start.always_spawns
        related = chain_related(model, execution)
        if start.kind == "dataloader" and start.creation is not None:
            related += (Related(model.range(start.creation), "the DataLoader is created here"),)
        if start.foreign is not None:
            site = start.foreign.creation
            related += (Related(site.range, f"{start.foreign.function}() creates the DataLoader "
                                "here", path=site.path),)
        entry = execution.chain[0].call if execution.chain else start.located
        yield Finding(
            code=RULE.code,
            severity=Severity.ERROR if certain else Severity.WARNING,
            message=message,
            range=model.range(start.node),
            related=related,
            fixes=LazyFixes(lambda statement=entry.top_statement: guard_fixes(model, statement)),
        )


RULE = Rule(
    code="SPG101",
    name="worker-start-at-import",
    default_severity=Severity.ERROR,
    summary="Worker processes are started while the script is being imported.",
    worker_effect=(
        "Each spawned worker re-runs this line while importing the script and dies: "
        "`RuntimeError: … bootstrapping phase`."
    ),
    fix_summary=(
        'Put it under `if __name__ == "__main__":` or into `main()` called from there (quick fix,'
        " Ctrl+.)."
    ),
    check=check,
    prefilter=may_start_workers,
    cross_file=True,
    applies_to_notebooks=False,
)
