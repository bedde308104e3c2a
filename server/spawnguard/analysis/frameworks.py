"""Worker starts that training frameworks make for the user (the names: `framework_apis`).

- Lightning `Trainer.fit/validate/test/predict`: iterates the DataLoaders that a datamodule's
  (or else the model's) `*_dataloader()` hooks return — a DataLoader start at the call, sending
  its dataset, collate_fn and worker_init_fn. Loaders passed to the loop directly are
  iteration sites of `workers`, as for any function that iterates a loader.
- The same loops with `strategy="ddp_spawn"`: the call always spawns, and pickles the model,
  the datamodule and the loaders (with what each holds) for its processes.
  `strategy="ddp"` — also what `accelerator="cpu", devices=2` picks in a script — re-runs the
  script with `subprocess` as `__main__`: no spawn problem. `"ddp_fork"`: a fork request.
- `datasets` `Dataset.map/filter(num_proc>=1)`: the call starts a `multiprocess` pool; the
  function goes by value (dill), so lambdas and local functions are no pickling problem.
- `transformers.Trainer(args=TrainingArguments(dataloader_num_workers>0))` `.train()`,
  `.evaluate()`, `.predict()`: the call iterates DataLoaders, sending the dataset and the
  `data_collator`.
- `accelerate.notebook_launcher(num_processes>1)` and `debug_launcher`: they fork (SPG601).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from spawnguard.analysis import framework_apis as fw
from spawnguard.analysis.apis import DATALOADER
from spawnguard.analysis.scopes import Definition, Located, Scope
from spawnguard.analysis.values import Value
from spawnguard.analysis.workers import (
    SentObject,
    WorkerCount,
    WorkerStart,
    argument,
    dataloader_sent,
    has_double_star,
)

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel
    from spawnguard.analysis.workers import _Detector

# How many assignments and method calls a dataset is followed back through.
_MAX_STEPS = 24


def literal_count(model: ModuleModel, expr: ast.expr | None, scope: Scope,
                  call: ast.Call) -> WorkerCount:
    """A worker count argument: omitted or a literal 0/None → none, a literal int ≥ 1 →
    certain, anything else (a variable, `**cfg`) → unknown."""
    if expr is None:
        return "unknown" if has_double_star(call) else "none"
    value = model.infer(expr, scope)
    if value.kind == "literal" and value.literal is None:
        return "none"
    if value.kind == "literal" and isinstance(value.literal, int) \
            and not isinstance(value.literal, bool):
        return "certain" if value.literal > 0 else "none"
    return "unknown"


def instance_of(model: ModuleModel, value: Value, qualnames: frozenset[str]) -> bool:
    """An instance of one of `qualnames`, or of a class of this file derived from one."""
    if value.kind != "instance" or value.of is None:
        return False
    made = value.of
    if made.kind == "api":
        return made.qualname in qualnames
    return (made.kind == "definition" and made.definition is not None
            and made.definition.is_class
            and bool(model.base_qualnames(made.definition) & qualnames))


def lightning_strategy(model: ModuleModel, trainer: Value) -> tuple[str | None, ast.expr | None]:
    """The start method a Lightning Trainer's `strategy=` launches with (None: it starts no
    processes of its own, or `"ddp"`, which re-runs the script), and the expression."""
    if trainer.call is None or trainer.scope is None:
        return None, None
    expr = argument(trainer.call, "strategy", fw.LIGHTNING_STRATEGY_POSITION)
    if expr is None:
        return None, None
    value = model.infer(expr, trainer.scope)
    if value.kind == "literal" and isinstance(value.literal, str):
        return fw.LIGHTNING_STRATEGY_METHODS.get(value.literal), expr
    if instance_of(model, value, frozenset({fw.LIGHTNING_DDP_STRATEGY})) \
            and value.call is not None and value.scope is not None:
        method = model.infer(argument(value.call, "start_method", None), value.scope)
        if method.kind == "literal" and method.literal in ("spawn", "fork", "forkserver"):
            return str(method.literal), expr
    return None, expr


class _Frameworks:
    def __init__(self, detector: _Detector) -> None:
        self.detector = detector
        self.model = detector.model
        self.facts = detector.facts

    def detect(self) -> None:
        roots = self.model.index.imported_roots
        if roots & {"lightning", "pytorch_lightning"}:
            self.lightning()
        if "datasets" in roots:
            self.datasets()
        if "transformers" in roots:
            self.transformers()
        if "accelerate" in roots:
            self.accelerate()

    def text(self, node: ast.AST) -> str:
        return self.detector.text(node)

    # --- Lightning ---------------------------------------------------------------------------

    def lightning(self) -> None:
        trainer_qualnames = frozenset({fw.LIGHTNING_TRAINER})
        for located in self.model.index.calls_named(fw.LIGHTNING_LOOP_HOOKS):
            call = located.node
            assert isinstance(call, ast.Call)
            if not isinstance(call.func, ast.Attribute):
                continue
            trainer = self.model.infer(call.func.value, located.scope)
            if not instance_of(self.model, trainer, trainer_qualnames):
                continue
            loop = call.func.attr
            method, _ = lightning_strategy(self.model, trainer)
            if method == "spawn":
                self._ddp_spawn_start(call, located, loop, trainer)
            elif method is None:
                self._hook_loader_starts(call, located, loop)
        self._lightning_fork_strategies(trainer_qualnames)

    def _loop_arguments(self, call: ast.Call, loop: str) -> dict[str, ast.expr]:
        given = {}
        for name, position in fw.LIGHTNING_LOOP_LOADERS[loop]:
            expr = argument(call, name, position)
            if expr is not None:
                given[name] = expr
        return given

    def _hook_loader_starts(self, call: ast.Call, located: Located, loop: str) -> None:
        """The loaders a datamodule's — or else the model's — `*_dataloader()` hooks return,
        for each hook whose loaders the call does not pass itself."""
        given = self._loop_arguments(call, loop)
        loaders_parameter = fw.LIGHTNING_LOOP_LOADERS[loop][0][0]
        datamodule = given.get("datamodule")
        passed = given.get(loaders_parameter)
        if datamodule is None and passed is not None and self._hook_owner(
                passed, located.scope) is not None:
            datamodule, passed = passed, None  # `fit(model, dm)`: a datamodule in its place
        model_expr = argument(call, "model", 0)
        for index, hook in enumerate(fw.LIGHTNING_LOOP_HOOKS[loop]):
            if datamodule is not None:
                source = datamodule
            else:
                # fit's val hook has its own parameter; a loader passed replaces the hook.
                own = passed if index == 0 else given.get("val_dataloaders")
                if own is not None or model_expr is None:
                    continue
                source = model_expr
            owner = self._hook_owner(source, located.scope)
            method = self.model.class_member(owner, hook) if owner is not None else None
            if method is None:
                continue
            loader = self._returned_loader(method)
            if loader is None or owner is None:
                continue
            self.detector.add_dataloader_start(
                loader, source, located, self.text(call),
                via=f"{owner.name}.{hook}() returns it and Trainer.{loop}() iterates it")

    def _hook_owner(self, expr: ast.expr, scope: Scope) -> Definition | None:
        """The class of this file that `expr` is an instance of (a datamodule or a model)."""
        value = self.model.infer(expr, scope)
        if value.kind == "instance" and value.of is not None and value.of.kind == "definition":
            definition = value.of.definition
            if definition is not None and definition.is_class:
                return definition
        return None

    def _returned_loader(self, method: Definition) -> Value | None:
        value = self.model.returned_value(method, 0)
        while value.kind == "sequence" and value.of is not None:  # `return [train, extra]`
            value = value.of
        call, scope = value.call, value.scope
        if call is None or scope is None:
            return None
        loaders = self.detector.worker_loaders(call, scope)
        return loaders[0] if loaders else None

    def _ddp_spawn_start(self, call: ast.Call, located: Located, loop: str,
                         trainer: Value) -> None:
        """`strategy="ddp_spawn"`: the loop pickles the trainer's job — the model, datamodule
        and loaders (a DataLoader with what it holds) — for processes it spawns."""
        scope = located.scope
        sent: list[SentObject] = []
        model_expr = argument(call, "model", 0)
        if model_expr is not None:
            sent.append(SentObject("model", model_expr, scope))
        for name, expr in self._loop_arguments(call, loop).items():
            for element in expr.elts if isinstance(expr, ast.List | ast.Tuple) else [expr]:
                loader = self.model.infer(element, scope)
                if loader.is_instance_of(DATALOADER) and loader.call is not None \
                        and loader.scope is not None:
                    sent += dataloader_sent(loader.call, loader.scope)
                else:
                    sent.append(SentObject(name, element, scope))
        # A loader iterated by the spawned processes is not the parent's start.
        self.facts.starts[:] = [s for s in self.facts.starts
                                if not (s.kind == "dataloader" and s.located.node is call)]
        self.facts.starts.append(WorkerStart(
            "lightning_spawn", call, located, self.text(call), "certain", "spawn", tuple(sent),
            creation=trainer.call, creation_scope=trainer.scope,
            what=f'Trainer.{loop}() with strategy="ddp_spawn" (Lightning always spawns its '
                 "processes)"))

    def _lightning_fork_strategies(self, trainer_qualnames: frozenset[str]) -> None:
        names = self.detector._names_reaching(frozenset({"Trainer"}))
        for located in self.model.index.calls_named(names):
            call = located.node
            assert isinstance(call, ast.Call)
            trainer = self.model.infer(call, located.scope)
            if not instance_of(self.model, trainer, trainer_qualnames) or trainer.call is not call:
                continue
            method, expr = lightning_strategy(self.model, trainer)
            if method == "fork" and expr is not None:
                self.facts.fork_requests.append(
                    (located, expr, f"Trainer(strategy={self.text(expr)}) (it forks)"))

    # --- Hugging Face datasets -----------------------------------------------------------------

    def datasets(self) -> None:
        for located in self.model.index.calls_named(fw.HF_POOL_METHODS):
            call = located.node
            assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            num_proc = argument(call, "num_proc", None)
            count = literal_count(self.model, num_proc, located.scope, call)
            if count == "none" or not self.is_hf_dataset(call.func.value, located.scope):
                continue
            function = argument(call, "function", 0)
            sent = (SentObject("map function", function, located.scope, by_value=True),) \
                if function is not None else ()
            shown = f"num_proc={self.text(num_proc)}" if num_proc is not None else "**kwargs"
            self.facts.starts.append(WorkerStart(
                "datasets_pool", call, located, self.text(call), count, None, sent,
                creation=call, creation_scope=located.scope,
                what=f"Dataset.{call.func.attr}({shown}) (datasets starts a pool of processes, "
                     "spawned on Windows)"))

    def is_hf_dataset(self, expr: ast.expr, scope: Scope) -> bool:
        """Whether `expr` is a Hugging Face Dataset or DatasetDict: made by one of its
        factories, through names, `dd["train"]` and methods that return a dataset again."""
        for _ in range(_MAX_STEPS):
            if isinstance(expr, ast.Subscript):
                expr = expr.value
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                    and expr.func.attr in fw.HF_DATASET_METHODS:
                expr = expr.func.value
            elif isinstance(expr, ast.Name) and (found := self._assigned_before(expr, scope)):
                expr, scope = found
            else:
                break
        return instance_of(self.model, self.model.infer(expr, scope), fw.HF_DATASET_FACTORIES)

    def _assigned_before(self, name: ast.Name, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The value last assigned to `name` by a statement that ends before it (so that
        `ds = ds.map(f)` reads the earlier `ds`)."""
        binding = self.model.resolve(name.id, scope, name)
        if binding is None:
            return None
        position = (name.lineno, name.col_offset)
        earlier = [b for b in binding.scope.bindings.get(name.id, [binding])
                   if (getattr(b.node, "end_lineno", 0) or 0,
                       getattr(b.node, "end_col_offset", 0) or 0) <= position]
        chosen = earlier[-1] if earlier else binding
        if chosen.kind != "assign" or chosen.value is None:
            return None
        return chosen.value, chosen.scope

    # --- transformers --------------------------------------------------------------------------

    def transformers(self) -> None:
        for located in self.model.index.calls_named(fw.HF_TRAINER_LOOPS):
            call = located.node
            assert isinstance(call, ast.Call)
            if not isinstance(call.func, ast.Attribute):
                continue
            trainer = self.model.infer(call.func.value, located.scope)
            if not instance_of(self.model, trainer, fw.HF_TRAINERS) \
                    or trainer.call is None or trainer.scope is None:
                continue
            arguments = training_arguments(self.model, trainer)
            count = arguments.count
            if count == "none":
                continue
            loop = call.func.attr
            sent = []
            role = fw.HF_TRAINER_LOOPS[loop]
            dataset = argument(call, role, 0) if loop in fw.HF_LOOP_OWN_DATASET else None
            if dataset is not None:
                sent.append(SentObject("dataset", dataset, located.scope))
            elif (dataset := argument(trainer.call, role, fw.HF_TRAINER_POSITIONS.get(role))):
                sent.append(SentObject("dataset", dataset, trainer.scope))
            collator = argument(trainer.call, "data_collator", fw.HF_TRAINER_POSITIONS[
                "data_collator"])
            if collator is not None:
                sent.append(SentObject("data_collator", collator, trainer.scope))
            self.facts.starts.append(WorkerStart(
                "hf_trainer", call, located, self.text(call), count, arguments.method,
                tuple(sent), creation=trainer.call, creation_scope=trainer.scope,
                what=f"Trainer.{loop}() iterating DataLoaders with "
                     f"dataloader_num_workers={arguments.shown}"))
        self._fork_contexts()

    def _fork_contexts(self) -> None:
        for located in self.model.index.calls_named(
                self.detector._names_reaching(frozenset({"TrainingArguments",
                                                         "Seq2SeqTrainingArguments"}))):
            call = located.node
            assert isinstance(call, ast.Call)
            expr = argument(call, "dataloader_multiprocessing_context", None)
            value = self.model.infer(expr, located.scope) if expr is not None else None
            if value is not None and value.kind == "literal" and value.literal == "fork" \
                    and instance_of(self.model, self.model.infer(call, located.scope),
                                    fw.HF_ARGUMENTS):
                self.facts.fork_requests.append(
                    (located, expr, 'dataloader_multiprocessing_context="fork"'))

    # --- accelerate ----------------------------------------------------------------------------

    def accelerate(self) -> None:
        launchers = {fw.NOTEBOOK_LAUNCHER: None, fw.DEBUG_LAUNCHER: 2}  # default process count
        names = self.detector._names_reaching(frozenset(
            q.rpartition(".")[2] for q in launchers))
        for located in self.model.index.calls_named(names):
            call = located.node
            assert isinstance(call, ast.Call)
            func = self.model.infer(call.func, located.scope)
            if func.kind != "api" or func.qualname not in launchers:
                continue
            expr = argument(call, "num_processes", 2)
            processes = self.model.infer(expr, located.scope) if expr is not None else Value(
                "literal", literal=launchers[func.qualname])
            if processes.kind == "literal" and isinstance(processes.literal, int) \
                    and processes.literal > 1:
                name = func.qualname.rpartition(".")[2]
                self.facts.fork_requests.append(
                    (located, call, f"{name}(num_processes={processes.literal}) (accelerate "
                     "starts its processes with fork on CPU, CUDA and MPS)"))


class TrainingArgumentsFacts:
    """What a transformers Trainer's `args=` says about its DataLoaders' workers."""

    def __init__(self, count: WorkerCount, method: str | None, shown: str,
                 expr: ast.expr | None) -> None:
        self.count = count
        self.method = method
        self.shown = shown  # the text of `dataloader_num_workers`
        self.expr = expr  # the dataloader_num_workers expression, when given


def training_arguments(model: ModuleModel, trainer: Value) -> TrainingArgumentsFacts:
    assert trainer.call is not None and trainer.scope is not None
    args_expr = argument(trainer.call, "args", fw.HF_TRAINER_POSITIONS["args"])
    if args_expr is None:  # the default TrainingArguments load in the main process
        return TrainingArgumentsFacts("none", None, "0", None)
    arguments = model.infer(args_expr, trainer.scope)
    if not instance_of(model, arguments, fw.HF_ARGUMENTS) or arguments.call is None \
            or arguments.scope is None:
        return TrainingArgumentsFacts("unknown", None, "…", None)
    call, scope = arguments.call, arguments.scope
    workers = argument(call, "dataloader_num_workers", None)
    count = literal_count(model, workers, scope, call)
    context = model.infer(argument(call, "dataloader_multiprocessing_context", None), scope)
    method = context.literal if context.kind == "literal" and isinstance(
        context.literal, str) else None
    shown = model.source.slice(model.range(workers)) if workers is not None else "0"
    return TrainingArgumentsFacts(count, method, shown, workers)


def detect_framework_starts(detector: _Detector) -> None:
    _Frameworks(detector).detect()
