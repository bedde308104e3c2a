"""Facts and wording that several rules share."""

from __future__ import annotations

import ast
from dataclasses import replace

from spawnguard.analysis import apis
from spawnguard.analysis.calls import Execution
from spawnguard.analysis.constants import count_text, possible_values
from spawnguard.analysis.findings import Position, Range, Related
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import PickleProblem, pickle_problems
from spawnguard.analysis.workers import SentObject, WorkerStart

BOOTSTRAP_ERROR = (
    "RuntimeError: An attempt has been made to start a new process before the current "
    "process has finished its bootstrapping phase"
)

_START_WHAT = {
    "process": "Process.start()",
    "pool": "creating a Pool",
    "manager": "Manager() (it starts a server process)",
    "manager_start": "starting a multiprocessing manager (it starts a server process)",
    "executor": "the first task given to a ProcessPoolExecutor",
    "torch_spawn": "torch.multiprocessing.spawn (always uses spawn)",
    "joblib": "joblib.Parallel with the multiprocessing backend",
}


def describe_start(model: ModuleModel, start: WorkerStart) -> str:
    if start.what:
        return start.what
    if start.kind == "dataloader":
        count = "num_workers > 0" if start.workers == "certain" else "num_workers maybe > 0"
        if start.creation is not None and start.creation_scope is not None:
            expr = _num_workers_text(model, start)
            if expr:
                count = f"num_workers={expr}"
        how = f" ({start.via})" if start.via else ""
        return f"iterating a DataLoader with {count}{how}"
    return _START_WHAT[start.kind]


def _num_workers_text(model: ModuleModel, start: WorkerStart) -> str | None:
    """`NUM_WORKERS (= 4)`: the argument as written, with the value the file gives it."""
    from spawnguard.analysis.workers import argument

    assert start.creation is not None and start.creation_scope is not None
    expr = argument(start.creation, "num_workers", 5)
    if expr is None:
        return None
    text = model.source.slice(model.source.node_range(expr))
    if len(text) > 30 or "\n" in text:
        return None
    values = possible_values(model, expr, start.creation_scope)
    value = count_text(values)
    if values is None or not all(type(v) is int for v in values):
        return f"{text}, not known statically"
    return text if value == text else f"{text} (= {value})"


def chain_text(execution: Execution, start: WorkerStart) -> str:
    if not execution.chain:
        return ""
    names = [f"{edge.callee.name}()" for edge in execution.chain]
    return " → ".join([*names, start.description])


def chain_related(model: ModuleModel, execution: Execution) -> tuple[Related, ...]:
    related = []
    for position, edge in enumerate(execution.chain):
        where = "at import time" if position == 0 else f"from {edge.caller.name}()" \
            if edge.caller else ""
        related.append(Related(model.range(edge.call.node),
                               f"{edge.callee.name}() is called here {where}".rstrip()))
    return tuple(related)


def spawning_starts(model: ModuleModel) -> list[WorkerStart]:
    """Starts whose workers re-import the script (spawn or forkserver)."""
    if "spawning_starts" not in model.memo:
        model.memo["spawning_starts"] = [
            s for s in model.worker_starts if model.start_method(s) in apis.SPAWNING_METHODS]
    return model.memo["spawning_starts"]


def sent_problems(model: ModuleModel, code: str) -> list[PickleProblem]:
    """Pickling problems of objects sent to workers, one per place passed and code."""
    return [p for p in _all_sent_problems(model) if p.code == code]


def _all_sent_problems(model: ModuleModel) -> list[PickleProblem]:
    """Computed once per model: SPG201, SPG202, SPG203 and SPG401 all read them."""
    if "sent_problems" in model.memo:
        return model.memo["sent_problems"]
    seen: set[tuple[int, str, str]] = set()
    problems: list[PickleProblem] = []
    for start in model.worker_starts:
        pickles_all = model.start_pickles_everything(start)
        if start.foreign is not None and pickles_all:
            problems += _foreign_loader_problems(start)
        for sent in start.sent:
            if not (pickles_all or sent.is_task) or sent.by_value:
                continue
            for problem in pickle_problems(model, sent):
                key = (id(sent.expr), problem.what, problem.code)
                if key in seen:
                    continue
                seen.add(key)
                problems.append(replace(problem, start=start))
    model.memo["sent_problems"] = problems
    return problems


def _foreign_loader_problems(start: WorkerStart) -> list[PickleProblem]:
    """Problems of what a DataLoader made in another project module sends, reported where
    this file iterates it."""
    assert start.foreign is not None and isinstance(start.node, ast.expr)
    return [
        PickleProblem(problem.code, problem.what,
                      SentObject(problem.role, start.node, start.located.scope),
                      attribute=problem.attribute, foreign_site=problem.site)
        for problem in start.foreign.problems
    ]


def foreign_related(problem: PickleProblem) -> tuple[Related, ...]:
    site = problem.foreign_site
    if site is None:
        return ()
    return (Related(site.range, site.description, path=site.path),)


def first_line_range(model: ModuleModel, node: ast.AST):
    """The node's range, cut at the end of its first line (for long statements)."""

    full = model.range(node)
    if full.start.line == full.end.line:
        return full
    line_text = model.source.line(full.start.line)
    return Range(full.start, Position(full.start.line, len(line_text.rstrip())))
