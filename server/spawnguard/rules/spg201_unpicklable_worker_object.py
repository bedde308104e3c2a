"""An object sent to worker processes cannot be pickled by reference.

## What happens
Under spawn and forkserver, everything a worker needs is pickled in the parent and unpickled
in the child. pickle stores functions and classes **by reference** — module plus qualified
name — so the child can import them again. A lambda (even a module-level one), a function
nested in another function, a class defined inside a function, an instance or bound method of
such a class, or a `functools.partial` of any of these has no importable name:

```
_pickle.PicklingError: Can't pickle <function <lambda> at 0x…>:
    attribute lookup <lambda> on __main__ failed
AttributeError: Can't pickle local object 'main.<locals>.collate'
```

What is sent: a DataLoader's `dataset`, `collate_fn` and `worker_init_fn` (when it may have
workers: not when `num_workers` is 0 or folds to 0 from module constants, as in
`WORKERS = 0 if DEBUG else 4` with `DEBUG = True` — see SPG101; `sampler`, `batch_sampler` and
`generator` stay in the parent) — also for a loader
kept on an object, in a dict or list, returned by a method or made from a DataLoader subclass
(see SPG101), where the call that configures it shows them, and for every worker loader of a
container when one of its items is iterated; `Process(target=,
args=, kwargs=)`; a Pool's or ProcessPoolExecutor's task functions and their arguments,
`initializer` and `initargs`; `torch.multiprocessing.spawn(fn, args=…)`; for a transformers
`Trainer` with `dataloader_num_workers > 0`, the dataset of the loop (`train_dataset`,
`eval_dataset`, `predict(test_dataset)`) and the `data_collator`; for a Lightning loop with
`strategy="ddp_spawn"`, the model, the datamodule and each loader with its `dataset`,
`collate_fn` and `worker_init_fn` (they go to the spawned processes even with
`num_workers=0`). A Hugging Face `Dataset.map`/`filter(num_proc=…)` function is not checked:
`datasets` sends it by value with dill, so lambdas and nested functions work. The arguments of
`map`, `imap`, `imap_unordered`, `map_async` and `starmap` are the items of the iterable: they
are checked when it is a list, tuple or set literal or a comprehension (or a name assigned one),
as in `pool.map(work, [Box(1), Box(2)])`; for `starmap`, the elements of each tuple item.
Under `assume-start-method = "fork"` only what fork pickles too is reported: Pool and
executor tasks and their arguments, `torch.multiprocessing.spawn`, and anything given an
explicit spawn or forkserver context.

## Fix
Give the object a module-level name. Quick fix *Lift to module level*: a lambda becomes a named
top-level function; a nested function or local class that closes over nothing moves to module
level; a nested function or lambda that reads local variables is lifted with those variables
as parameters and passed as `functools.partial(fn, name=value)`. No fix is offered where
neither is safe.

```python
def collate(batch):
    return batch

loader = DataLoader(ds, num_workers=2, collate_fn=collate)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.findings import Finding, LazyFixes, Related, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule
from spawnguard.rules.common import foreign_related, sent_problems
from spawnguard.rules.fixing import lift_fixes

_ERRORS = {
    True: "PicklingError: Can't pickle <function <lambda>>: attribute lookup failed",
    False: "AttributeError: Can't pickle local object",
}


def check(model: ModuleModel) -> Iterator[Finding]:
    for problem in sent_problems(model, RULE.code):
        definition = problem.definition
        is_lambda = "lambda" in problem.what
        message = (
            f"{problem.what[0].upper()}{problem.what[1:]} is sent to worker processes as "
            f"`{problem.sent.role}` but cannot be pickled by reference ({_ERRORS[is_lambda]}). "
            "Define it at module level."
        )
        primary = model.range(problem.sent.expr)
        related: tuple[Related, ...] = foreign_related(problem)
        if definition is not None:
            where = model.range(definition.node)
            if not where.contains(primary) and not primary.contains(where):
                related = (Related(where, f"{problem.what} is defined here"),)
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=message,
            range=primary,
            related=related,
            fixes=LazyFixes(lambda problem=problem: lift_fixes(model, problem)),
        )


RULE = Rule(
    code="SPG201",
    name="unpicklable-worker-object",
    default_severity=Severity.ERROR,
    summary="An object sent to worker processes cannot be pickled by reference.",
    worker_effect=(
        "The worker never gets it: the object has no importable name, so pickling fails "
        "(`PicklingError`, `Can't pickle local object`)."
    ),
    fix_summary="Give it a module-level name (quick fix: Lift to module level).",
    check=check,
    prefilter=may_start_workers,
    cross_file=True,
)
