"""Hover text for the framework entry points that start workers (see `frameworks`).

- on a Lightning `trainer.fit(` (also `validate`, `test`, `predict`): which DataLoaders it
  iterates and whether their workers start, or that `strategy="ddp_spawn"` spawns;
- on `Dataset.map(`/`filter(` or their `num_proc=`: the pool it starts and how the function
  travels (dill, by value);
- on `dataloader_num_workers=` of `TrainingArguments(...)`: the workers each Trainer loop's
  DataLoaders start.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from spawnguard.analysis import framework_apis as fw
from spawnguard.analysis.findings import Position, Range
from spawnguard.analysis.frameworks import instance_of, lightning_strategy, literal_count
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.scopes import Located
from spawnguard.analysis.values import Value
from spawnguard.analysis.workers import WorkerStart, argument


def framework_facts(model: ModuleModel, located: Located, position: Position,
                    keyword_range: Callable[[ModuleModel, ast.keyword], Range]) -> str | None:
    """Markdown about the framework call at `position`, if it is one (`keyword_range` gives
    the range of a keyword argument, as the DataLoader hover measures it)."""
    call = located.node
    assert isinstance(call, ast.Call)
    if isinstance(call.func, ast.Attribute):
        on_name = _contains(model.range(call.func), position)
        if call.func.attr in fw.LIGHTNING_LOOP_HOOKS and on_name:
            trainer = model.infer(call.func.value, located.scope)
            if instance_of(model, trainer, frozenset({fw.LIGHTNING_TRAINER})):
                return _lightning_loop(model, call, trainer)
        if call.func.attr in fw.HF_POOL_METHODS:
            num_proc = next((k for k in call.keywords if k.arg == "num_proc"), None)
            on_keyword = num_proc is not None and _contains(keyword_range(model, num_proc),
                                                            position)
            if (on_name or on_keyword) and _is_pool_call(model, call):
                return _dataset_pool(model, located, call)
    keyword = next((k for k in call.keywords if k.arg == "dataloader_num_workers"), None)
    if keyword is not None and _contains(keyword_range(model, keyword), position) \
            and instance_of(model, model.infer(call, located.scope), fw.HF_ARGUMENTS):
        return _dataloader_num_workers(model, located, call, keyword)
    return None


def _contains(range_: Range, position: Position) -> bool:
    return range_.start <= position <= range_.end


def _starts_at(model: ModuleModel, call: ast.Call) -> list[WorkerStart]:
    return [s for s in model.worker_starts if s.located.node is call]


def _where(model: ModuleModel, start: WorkerStart) -> str:
    if model.execution(start.located).at_import:
        return "**while the script is imported** — spawned workers re-run it (SPG101)"
    return "only when the script runs as `__main__`"


def _processes(count: object) -> str:
    return f"{count} worker process{'' if count == 1 else 'es'}"


def _text(model: ModuleModel, node: ast.AST) -> str:
    return model.source.slice(model.range(node))


def _lightning_loop(model: ModuleModel, call: ast.Call, trainer: Value) -> str:
    assert isinstance(call.func, ast.Attribute)
    loop = call.func.attr
    hooks = ", ".join(f"`{hook}()`" for hook in fw.LIGHTNING_LOOP_HOOKS[loop])
    lines = [f"**Trainer.{loop}** — iterates the DataLoaders passed to it, or those that the "
             f"datamodule's (else the model's) {hooks} return."]
    method, strategy = lightning_strategy(model, trainer)
    starts = _starts_at(model, call)
    if method == "spawn":
        assert strategy is not None
        lines.append(f"`strategy={_text(model, strategy)}` starts the training processes with "
                     "**spawn** on every platform: each re-imports the script and unpickles "
                     "the model, the datamodule and the loaders.")
    elif method == "fork":
        lines.append("The strategy forks its processes: Linux only (SPG601).")
    for start in starts:
        if start.kind == "dataloader":
            count = f"num_workers={_loader_workers(model, start)}"
            lines.append(f"- `{start.description}` → a DataLoader with {count}"
                         f"{f' ({start.via})' if start.via else ''}: its workers start here, "
                         f"{_where(model, start)}.")
        else:
            lines.append(f"- Processes start here, {_where(model, start)}.")
    if not starts:
        lines.append("No DataLoader seen here starts worker processes "
                     "(`num_workers=0`, or not known statically).")
    return "\n\n".join(lines)


def _loader_workers(model: ModuleModel, start: WorkerStart) -> str:
    expr = argument(start.creation, "num_workers", 5) if start.creation is not None else None
    return _text(model, expr) if expr is not None else "…"


def _is_pool_call(model: ModuleModel, call: ast.Call) -> bool:
    return any(s.kind == "datasets_pool" for s in _starts_at(model, call))


def _dataset_pool(model: ModuleModel, located: Located, call: ast.Call) -> str:
    assert isinstance(call.func, ast.Attribute)
    [start] = [s for s in _starts_at(model, call) if s.kind == "datasets_pool"]
    num_proc = argument(call, "num_proc", None)
    shown = _text(model, num_proc) if num_proc is not None else "…"
    count = literal_count(model, num_proc, located.scope, call)
    size = (f"**{_processes(model.infer(num_proc, located.scope).literal)}**"
            if count == "certain" and num_proc is not None else "worker processes")
    return "\n\n".join([
        f"**Dataset.{call.func.attr}(num_proc={shown})** — starts a pool of {size} for this "
        "call (datasets' `multiprocess` pool; from datasets 4.1 also for `num_proc=1`). They "
        "fork on Linux and macOS and spawn on Windows, where each re-imports the script.",
        f"Started at line {model.range(call).start.line}: {_where(model, start)}.",
        "The function goes to the workers **by value** (dill): lambdas and nested functions "
        "pickle, so no SPG201 here.",
    ])


def _dataloader_num_workers(model: ModuleModel, located: Located, call: ast.Call,
                            keyword: ast.keyword) -> str:
    count = literal_count(model, keyword.value, located.scope, call)
    shown = _text(model, keyword.value)
    if count == "none":
        return (f"**dataloader_num_workers={shown}** — a Trainer with these arguments loads "
                "its batches in the main process: no worker processes start.")
    amount = (_processes(model.infer(keyword.value, located.scope).literal)
              if count == "certain" else "worker processes (the number is not known "
              "statically)")
    lines = [f"**dataloader_num_workers={shown}** — every DataLoader a Trainer built with "
             f"these arguments makes (`train()`, `evaluate()`, `predict()`) starts {amount} "
             "each time it is iterated. Under spawn each re-imports the script and unpickles "
             "the dataset and the `data_collator`."]
    for start in model.worker_starts:
        if start.kind != "hf_trainer" or start.creation is None \
                or start.creation_scope is None:
            continue
        arguments = model.infer(argument(start.creation, "args", fw.HF_TRAINER_POSITIONS[
            "args"]), start.creation_scope)
        if arguments.call is call:
            line = model.range(start.node).start.line
            lines.append(f"- line {line} `{start.description}`: {_where(model, start)}.")
    return "\n\n".join(lines)
