"""What the model can tell about the code under the cursor (the server's hover shows it).

- on a `DataLoader(` call: whether and how many workers it starts, under which start method,
  where it is iterated, and what each worker unpickles — with a verdict for each object;
- on `num_workers=`: the same, in short;
- on a main guard's `if`: what the block protects from being re-run in spawned workers;
- on the framework entry points (`trainer.fit`, `Dataset.map(num_proc=…)`,
  `dataloader_num_workers=`): see `framework_hover`.
"""

from __future__ import annotations

import ast

from spawnguard.analysis import apis
from spawnguard.analysis.constants import count_text, possible_values
from spawnguard.analysis.findings import Position, Range
from spawnguard.analysis.framework_hover import framework_facts
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import pickle_problems
from spawnguard.analysis.workers import (
    SentObject,
    WorkerStart,
    argument,
    dataloader_sent,
    dataloader_worker_count,
)

_PARENT_SIDE = "`sampler`, `batch_sampler` and `generator` stay in the parent process."


def hover_facts(model: ModuleModel, position: Position) -> str | None:
    for located in model.index.calls:
        call = located.node
        assert isinstance(call, ast.Call)
        if not _contains(model.range(call), position):
            continue
        framework = framework_facts(model, located, position, _keyword_range)
        if framework is not None:
            return framework
        keyword = next((k for k in call.keywords if k.arg == "num_workers"
                        and _contains(_keyword_range(model, k), position)), None)
        value = model.infer(call, located.scope)
        if not value.is_instance_of(apis.DATALOADER):
            continue
        if keyword is not None:
            return _num_workers_facts(model, value)
        if _contains(model.range(call.func), position):
            return _dataloader_facts(model, call, value)
    for guard in model.index.guards:
        if guard.lineno == position.line:
            return _guard_facts(model, guard)
    return None


def _contains(range_: Range, position: Position) -> bool:
    return range_.start <= position <= range_.end


def _keyword_range(model: ModuleModel, keyword: ast.keyword) -> Range:
    value = model.range(keyword.value)
    start = (Position(keyword.lineno, model.source.byte_col_to_char(
        keyword.lineno, keyword.col_offset)) if hasattr(keyword, "lineno") else value.start)
    return Range(start, value.end)


def _worker_sentence(model: ModuleModel, value) -> str:
    count = dataloader_worker_count(model, value)
    call = value.call
    expr = argument(call, "num_workers", 5) if call is not None else None
    text = model.source.slice(model.range(expr)) if expr is not None else None
    if count == "none":
        return ("Starts **no worker processes**: data is loaded in the main process "
                f"(`num_workers={text or 0}`), so nothing is pickled.")
    if count == "certain":
        assert expr is not None and value.scope is not None
        number = count_text(possible_values(model, expr, value.scope))
        how = f" (`num_workers={text}`)" if text != number else ""
        return (f"Starts **{number} worker processes**{how} each time it is iterated "
                "(not when it is created).")
    return (f"May start worker processes when iterated: `num_workers={text or '…'}` is not "
            "known statically.")


def _num_workers_facts(model: ModuleModel, value) -> str:
    parts = [_worker_sentence(model, value)]
    if dataloader_worker_count(model, value) != "none":
        parts.append(f"Under {model.settings.assume_start_method} each worker starts a fresh "
                     "interpreter, re-imports the script and unpickles the dataset, "
                     "`collate_fn` and `worker_init_fn`.")
    return "\n\n".join(parts)


def _dataloader_facts(model: ModuleModel, call: ast.Call, value) -> str:
    lines = [f"**DataLoader** — {_worker_sentence(model, value)}"]
    starts = [s for s in model.worker_starts if s.creation is call]
    for start in starts:
        lines.append(_iteration_line(model, start))
    if dataloader_worker_count(model, value) == "none" or value.scope is None:
        return "\n\n".join(lines)
    method = starts[0].explicit_method if starts and starts[0].explicit_method else None
    lines.append(f"Start method: {method or model.settings.assume_start_method}"
                 f"{' (explicit)' if method else ' (assumed; see assume-start-method)'}.")
    lines.append("Each worker unpickles:")
    given = {sent.role: sent for sent in dataloader_sent(call, value.scope)}
    for role in ("dataset", "collate_fn", "worker_init_fn"):
        sent = given.get(role)
        if sent is None:
            lines.append(f"- `{role}`: not given")
            continue
        lines.append(f"- `{role}`: `{model.source.slice(model.range(sent.expr))}` — "
                     f"{_verdict(model, sent)}")
    lines.append(_PARENT_SIDE)
    return "\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:])


def _iteration_line(model: ModuleModel, start: WorkerStart) -> str:
    execution = model.execution(start.located)
    where = ("**while the script is imported** — spawned workers re-run it (SPG101)"
             if execution.at_import else "only when the script runs as `__main__`")
    line = model.range(start.node).start.line
    return f"Iterated at line {line} (`{start.description}`): {where}."


def _verdict(model: ModuleModel, sent: SentObject) -> str:
    problems = pickle_problems(model, sent)
    if not problems:
        return "pickles by reference ✓"
    return "; ".join(f"{p.what} ✗ ({p.code})" for p in problems)


def _guard_facts(model: ModuleModel, guard: ast.If) -> str:
    protected = [s for s in model.worker_starts if s.located.guard is guard]
    lines = ['**Main guard** — the block runs when the script is run directly (`__name__` is '
             '`"__main__"`) and not when a spawned worker re-imports it (there `__name__` is '
             '`"__mp_main__"`).']
    if protected:
        lines.append("It keeps these worker starts out of the workers:")
        lines += [f"- line {model.range(s.node).start.line}: `{s.description}`"
                  for s in protected]
    defined = [d.name for d in model.index.definitions
               if d.placement == "guard" and d.top_statement is guard and not d.is_lambda]
    if defined:
        lines.append("Defined inside it, so workers cannot unpickle them: "
                     + ", ".join(f"`{name}`" for name in defined) + ".")
    return "\n\n".join(lines)
