"""Worker starts: where this file starts worker processes, and what it sends them.

| API | the start | sent to workers |
|---|---|---|
| `DataLoader(num_workers>0)` or subclass | where iterated | dataset, collate_fn, worker_init_fn |
| `Process(...).start()` | the `start()` call | target, args, kwargs (a subclass: the object) |
| `Pool(...)`, `Manager()` | construction | initializer, initargs, task functions and arguments |
| `BaseManager`/`SyncManager` (or a subclass) | `start()`, or entering `with` | — |
| `ProcessPoolExecutor(...)` | first `submit`/`map` | initializer, initargs, tasks and arguments |

A `map`-like task's arguments are the items of its iterable, known when that is a literal
container or a comprehension (or a name assigned one).
| `torch.multiprocessing.spawn` | the call (always spawn) | fn, args |
| `joblib.Parallel(backend="multiprocessing")(...)` | the call | `delayed` functions |
"""

from __future__ import annotations

import ast
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from spawnguard.analysis import apis, framework_apis
from spawnguard.analysis.constants import possible_values
from spawnguard.analysis.loaders import loader_candidates
from spawnguard.analysis.project import LoaderFactory
from spawnguard.analysis.scopes import Definition, Located, Scope, call_name, own_nodes
from spawnguard.analysis.values import Value

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel

StartKind = Literal["dataloader", "process", "pool", "manager", "manager_start", "executor",
                    "torch_spawn", "joblib",
                    # framework entry points (analysis/frameworks.py)
                    "lightning_spawn", "datasets_pool", "hf_trainer"]
WorkerCount = Literal["none", "certain", "unknown"]

# Positions of the DataLoader and Process arguments that matter, for positional calls.
_DATALOADER_POSITIONS = {"dataset": 0, "num_workers": 5, "collate_fn": 6,
                         "worker_init_fn": 10, "multiprocessing_context": 11}
_PROCESS_POSITIONS = {"target": 1, "args": 3, "kwargs": 4}
_POOL_POSITIONS = {"processes": 0, "initializer": 1, "initargs": 2}
_EXECUTOR_POSITIONS = {"max_workers": 0, "mp_context": 1, "initializer": 2, "initargs": 3}
_MANAGER_CONTEXT_POSITION = 3  # BaseManager(address, authkey, serializer, ctx)


@dataclass(frozen=True, eq=False)
class SentObject:
    """An expression whose value is pickled and sent to worker processes."""

    role: str
    expr: ast.expr
    scope: Scope
    # Pickled under fork too (pool/executor tasks, torch spawn); the rest only under spawn.
    is_task: bool = False
    # Pickled by value with dill (datasets' `multiprocess`): lambdas and local functions
    # travel, so no pickling finding; the fix still keeps what it reads at top level.
    by_value: bool = False


@dataclass(eq=False)
class WorkerStart:
    kind: StartKind
    node: ast.AST  # the primary range of a finding about this start
    located: Located
    description: str
    workers: WorkerCount
    explicit_method: str | None
    sent: tuple[SentObject, ...] = ()
    via: str | None = None  # "passed to train(), which iterates it"
    creation: ast.Call | None = None
    creation_scope: Scope | None = None
    # A DataLoader made by a function of another project module.
    foreign: LoaderFactory | None = None
    what: str | None = None  # how messages name a framework start

    @property
    def always_spawns(self) -> bool:
        return self.kind in ("torch_spawn", "lightning_spawn")


@dataclass
class WorkerFacts:
    starts: list[WorkerStart] = field(default_factory=list)
    # set_start_method calls: (located call, method literal or None)
    start_method_calls: list[tuple[Located, str | None]] = field(default_factory=list)
    # every explicit fork request: (node to report, what it is)
    fork_requests: list[tuple[Located, ast.AST, str]] = field(default_factory=list)


def argument(call: ast.Call, name: str, position: int | None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and position < len(call.args):
        candidate = call.args[position]
        if not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return candidate
    return None


def has_double_star(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


def _elements(expr: ast.expr | None) -> list[ast.expr]:
    """The items of a tuple/list literal, or the expression itself."""
    if expr is None:
        return []
    if isinstance(expr, ast.Tuple | ast.List):
        return [e.value if isinstance(e, ast.Starred) else e for e in expr.elts]
    if isinstance(expr, ast.Dict):
        return [v for v in expr.values if v is not None]
    return [expr]


def dataloader_worker_count(model: ModuleModel, value: Value) -> WorkerCount:
    """Whether a DataLoader value starts workers when iterated."""
    if isinstance(value.foreign, LoaderFactory):
        return "certain" if value.foreign.workers == "certain" else "unknown"
    call, scope = value.call, value.scope
    if call is None or scope is None:
        return "unknown"
    expr = argument(call, "num_workers", _DATALOADER_POSITIONS["num_workers"])
    if expr is None:
        return "unknown" if has_double_star(call) else "none"
    return count_verdict(possible_values(model, expr, scope))


def count_verdict(values: tuple[object, ...] | None, *, least: int = 1) -> WorkerCount:
    """A worker count's verdict from the values it may have: "certain" when every one is an
    integer of at least `least`, "none" when every one is below it (a DataLoader with 0
    workers loads in the main process; a Pool or executor given fewer than 1 raises
    ValueError before starting any), "unknown" otherwise."""
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "unknown"
    if all(v >= least for v in values):  # type: ignore[operator]
        return "certain"
    return "none" if all(v < least for v in values) else "unknown"  # type: ignore[operator]


def dataloader_sent(call: ast.Call, scope: Scope) -> list[SentObject]:
    """What a DataLoader pickles for its workers (samplers stay in the parent)."""
    sent = []
    for role in ("dataset", "collate_fn", "worker_init_fn"):
        expr = argument(call, role, _DATALOADER_POSITIONS[role])
        if expr is not None:
            sent.append(SentObject(role, expr, scope))
    return sent


def dataloader_context(call: ast.Call) -> ast.expr | None:
    return argument(call, "multiprocessing_context",
                    _DATALOADER_POSITIONS["multiprocessing_context"])


_TASK_METHODS = apis.POOL_TASK_METHODS | apis.EXECUTOR_TASK_METHODS
# Task methods that send the items of an iterable to workers, one task each.
_MAPPING_METHODS = frozenset(
    {"map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async"})



class _Detector:
    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self.facts = WorkerFacts()
        # Only calls whose name may reach a known API (directly or through an import alias or
        # an assignment) or a function of this file are inferred; the rest cannot matter.
        self._api_names = self._names_reaching(apis.API_LAST_NAMES)
        self._iterating_names = self._names_reaching(apis.ITERATING_LAST_NAMES)
        self._function_names = {d.name for d in model.index.definitions if not d.is_lambda}
        self._generator_verdicts: dict[Definition, bool] = {}

    @cached_property
    def _names_bound_from(self) -> dict[str, list[str]]:
        """Identifier → the names whose binding comes from it: an import of it (under its own
        or its canonical last name), or an assignment, loop or `with` of a name or attribute
        ending in it."""
        bound: dict[str, list[str]] = {}
        index = self.model.index
        for scope in (index.module, *index.scope_of_node.values()):
            for name, bindings in scope.bindings.items():
                for binding in bindings:
                    qualname = binding.qualname
                    if qualname and binding.kind == "import":
                        last = qualname.rpartition(".")[2]
                        bound.setdefault(last, []).append(name)
                        canonical_last = apis.canonical(qualname).rpartition(".")[2]
                        if canonical_last != last:
                            bound.setdefault(canonical_last, []).append(name)
                        continue
                    value = binding.value
                    if value is None:  # parameters, definitions, most imports
                        continue
                    if isinstance(value, ast.Name):
                        bound.setdefault(value.id, []).append(name)
                    elif isinstance(value, ast.Attribute):
                        bound.setdefault(value.attr, []).append(name)
        return bound

    def _names_reaching(self, names: frozenset[str]) -> frozenset[str]:
        """`names` and every name bound from one of them, directly or through others."""
        bound = self._names_bound_from
        extra: set[str] = set()
        pending = [source for source in bound if source in names]
        while pending:
            for name in bound.get(pending.pop(), ()):
                if name not in names and name not in extra:
                    extra.add(name)
                    pending.append(name)
        return names | extra if extra else names

    def _may_call_api(self, call: ast.Call) -> bool:
        # A call of this file's own functions infers to a definition, never to an API.
        name = call_name(call)
        return name is None or name in self._api_names or name in self._manager_class_names

    @cached_property
    def _manager_class_names(self) -> frozenset[str]:
        """Names that may call a class of this file derived (by its bases' names) from a
        multiprocessing manager class; `_is_manager_class` checks what they really are."""
        words = {q.rpartition(".")[2] for q in apis.MANAGER_CLASSES}
        if not words & self._api_names:
            return frozenset()
        reaching = set(self._names_reaching(frozenset(words)))
        classes = [d for d in self.model.index.definitions if d.is_class]
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for definition in classes:
                node = definition.node
                assert isinstance(node, ast.ClassDef)
                if definition.name not in found and any(
                        getattr(b, "id", getattr(b, "attr", None)) in reaching
                        for b in node.bases):
                    found.add(definition.name)
                    reaching.add(definition.name)
                    changed = True
        return self._names_reaching(frozenset(found)) if found else frozenset()

    def _is_manager_class(self, value: Value) -> bool:
        if value.kind == "api":
            return value.qualname in apis.MANAGER_CLASSES
        if value.kind == "definition" and value.definition is not None \
                and value.definition.is_class:
            return bool(self.model.base_qualnames(value.definition) & apis.MANAGER_CLASSES)
        return False

    def _add_manager_start(self, node: ast.AST, located: Located, creation: ast.Call | None,
                           creation_scope: Scope | None) -> None:
        context = (argument(creation, "ctx", _MANAGER_CONTEXT_POSITION)
                   if creation is not None and creation_scope is not None else None)
        method = (self.method_of_context_argument(context, creation_scope)
                  if creation_scope is not None else None)
        self.facts.starts.append(WorkerStart(
            "manager_start", node, located, self.text(node), "certain", method,
            creation=creation, creation_scope=creation_scope))

    @staticmethod
    def _entered_by_with(call: ast.Call, located: Located) -> bool:
        """Whether `call` is the context expression of a `with` item (BaseManager.__enter__
        starts a manager that is not started yet)."""
        return any(item.context_expr is call for node in ast.walk(located.top_statement)
                   if isinstance(node, ast.With | ast.AsyncWith) for item in node.items)
    # --- DataLoader ----------------------------------------------------------------------------

    def dataloader_workers(self, value: Value) -> WorkerCount:
        return dataloader_worker_count(self.model, value)

    def worker_loaders(self, expr: ast.expr, scope: Scope) -> list[Value]:
        """The DataLoaders with workers that `expr` may be (through containers, attributes
        and subclasses: see `loaders`)."""
        return [loader for loader in loader_candidates(self.model, self.model.infer(expr, scope))
                if self.dataloader_workers(loader) != "none"]

    def method_of_context_argument(self, expr: ast.expr | None, scope: Scope) -> str | None:
        if expr is None:
            return None
        value = self.model.infer(expr, scope)
        if value.kind == "literal" and isinstance(value.literal, str):
            return value.literal
        if value.kind == "context":
            return value.start_method
        return None

    def add_dataloader_starts(self, loaders: list[Value], node: ast.AST, located: Located,
                              description: str, via: str | None = None) -> None:
        """One start where one of `loaders` is iterated: loaders of this file under the same
        start method make one start (count certain if any is certain; each one's sent
        objects); others, one start each."""
        merged: dict[str | None, list[Value]] = {}
        for loader in loaders:
            if isinstance(loader.foreign, LoaderFactory) or loader.call is None:
                self.add_dataloader_start(loader, node, located, description, via)
                continue
            assert loader.scope is not None
            method = self.method_of_context_argument(dataloader_context(loader.call),
                                                     loader.scope)
            merged.setdefault(method, []).append(loader)
        for group in merged.values():
            first = next((g for g in group if self.dataloader_workers(g) == "certain"), group[0])
            self.add_dataloader_start(first, node, located, description, via)
            start = self.facts.starts[-1]
            for other in group:
                if other is not first:
                    assert other.call is not None and other.scope is not None
                    start.sent += tuple(dataloader_sent(other.call, other.scope))

    def add_dataloader_start(self, loader: Value, node: ast.AST, located: Located,
                             description: str, via: str | None = None) -> None:
        if isinstance(loader.foreign, LoaderFactory):
            factory = loader.foreign
            self.facts.starts.append(WorkerStart(
                "dataloader", node, located, description, self.dataloader_workers(loader),
                factory.explicit_method, (), via, foreign=factory))
            return
        call, scope = loader.call, loader.scope
        assert call is not None and scope is not None
        sent = dataloader_sent(call, scope)
        context = dataloader_context(call)
        self.facts.starts.append(WorkerStart(
            "dataloader", node, located, description, self.dataloader_workers(loader),
            self.method_of_context_argument(context, scope), tuple(sent), via, call, scope,
        ))

    @cached_property
    def _iterated_params(self) -> dict[Definition, dict[str, ast.AST]]:
        """For each function of this file: its parameters that it iterates (directly or by
        passing them on to a function that does)."""
        iterated: dict[Definition, dict[str, ast.AST]] = {}
        for located, site_expr in self._iteration_sites:
            expr = self.unwrapped(site_expr, located.scope)
            if isinstance(expr, ast.Name):
                binding = self.model.resolve(expr.id, located.scope, expr)
                owner = binding.scope.definition if binding else None
                if binding is not None and binding.kind == "param" and owner is not None:
                    iterated.setdefault(owner, {})[expr.id] = expr
        # A worklist over the calls of each function (a fixpoint over every call of the file
        # took one round per level of a call chain: quadratic on long chains).
        calls_to: dict[Definition, list[Located]] = {}
        for located in self.model.index.calls_named(self._function_names):
            call = located.node
            assert isinstance(call, ast.Call)
            called = self._called_function(call, located.scope)
            if called is not None:
                calls_to.setdefault(called, []).append(located)
        pending = list(iterated)
        while pending:
            callee = pending.pop()
            if callee not in calls_to or self._callee(
                    calls_to[callee][0].node, calls_to[callee][0].scope, iterated) is None:
                continue  # not called here, or a generator function (its body does not run)
            for located in calls_to[callee]:
                call = located.node
                assert isinstance(call, ast.Call)
                for param, arg in self._bound_arguments(callee, call):
                    if param not in iterated[callee] or not isinstance(arg, ast.Name):
                        continue
                    binding = self.model.resolve(arg.id, located.scope, arg)
                    owner = binding.scope.definition if binding else None
                    if binding is None or binding.kind != "param" or owner is None:
                        continue
                    if arg.id not in iterated.setdefault(owner, {}):
                        iterated[owner][arg.id] = arg
                        pending.append(owner)
        return iterated

    def _callee(self, call: ast.Call, scope: Scope,
                among: Container[Definition]) -> Definition | None:
        """The function of this file among `among` that `call` runs (a generator function's
        body does not run at the call: see `_generator_call`)."""
        definition = self._called_function(call, scope)
        if definition is None or definition not in among:
            return None
        # (Checked last, and once per function: it walks the function's body.)
        if definition not in self._generator_verdicts:
            self._generator_verdicts[definition] = is_generator_function(definition)
        return None if self._generator_verdicts[definition] else definition

    def _called_function(self, call: ast.Call, scope: Scope) -> Definition | None:
        value = self.model.infer(call.func, scope)
        if value.kind in ("definition", "bound_method") and value.definition is not None:
            definition = value.definition
            if not definition.is_class and not definition.is_lambda:
                return definition
        return None

    def _generator_call(self, expr: ast.expr, scope: Scope) -> tuple[ast.Call, Scope] | None:
        """The call of a generator function of this file that made the generator `expr` (the
        call itself, or a name assigned it): iterating the generator runs its body."""
        if isinstance(expr, ast.Name):
            binding = self.model.resolve(expr.id, scope, expr)
            if binding is None or binding.kind != "assign" or binding.value is None:
                return None
            expr, scope = binding.value, binding.scope
        if not isinstance(expr, ast.Call) or call_name(expr) not in self._function_names:
            return None
        definition = self._called_function(expr, scope)
        if definition is None or not is_generator_function(definition):
            return None
        return expr, scope

    def _bound_arguments(self, callee: Definition, call: ast.Call) -> list[tuple[str, ast.expr]]:
        node = callee.node
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if callee.parent.kind == "class" and params and isinstance(call.func, ast.Attribute):
            params = params[1:]  # self, bound by the attribute access
        pairs = [(p, a) for p, a in zip(params, call.args, strict=False)
                 if not isinstance(a, ast.Starred)]
        pairs += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
        return pairs

    @cached_property
    def _iteration_sites(self) -> list[tuple[Located, ast.expr]]:
        """(where, what) for every expression this file iterates."""
        sites: list[tuple[Located, ast.expr]] = []
        for located in self.model.index.loops:
            node = located.node
            if isinstance(node, ast.For | ast.AsyncFor):
                sites.append((located, node.iter))
            else:
                sites.append((located, node.generators[0].iter))  # type: ignore[attr-defined]
        for located in self.model.index.calls_named(self._iterating_names | {None}):
            call = located.node
            assert isinstance(call, ast.Call)
            func = self.model.infer(call.func, located.scope)
            if func.kind == "api" and func.qualname in apis.ITERATING_CALLS:
                sites.extend((located, a) for a in call.args if not isinstance(a, ast.Starred))
            elif (func.kind == "bound_method" and func.attribute in apis.TRAINER_LOOPS
                  and func.of is not None and func.of.is_instance_of(apis.LIGHTNING_TRAINER)):
                sites.extend((located, a) for a in call.args)
                sites.extend((located, k.value) for k in call.keywords if k.arg != "model")
        return sites

    def detect_dataloaders(self) -> None:
        for located, expr in self._iteration_sites:
            loaders = self.worker_loaders(expr, located.scope)
            if not loaders:
                self._generator_start(located, expr)
                continue
            self.add_dataloader_starts(loaders, self.unwrapped(expr, located.scope), located,
                                       self.describe_iteration(located.node, expr))
        for located in self.model.index.calls_named({"next"}):
            call = located.node
            assert isinstance(call, ast.Call)
            func = self.model.infer(call.func, located.scope)
            if func.kind == "api" and func.qualname == "builtins.next" and call.args:
                self._generator_start(located, call.args[0])
        for located in self.model.index.calls_named(self._function_names):
            call = located.node
            assert isinstance(call, ast.Call)
            callee = self._callee(call, located.scope, self._iterated_params)
            if callee is None:
                continue
            for param, arg in self._bound_arguments(callee, call):
                if param not in self._iterated_params[callee]:
                    continue
                self.add_dataloader_starts(
                    self.worker_loaders(arg, located.scope), self.unwrapped(arg, located.scope),
                    located, self.text(call), via=f"passed to {callee.name}(), which iterates it")

    def _generator_start(self, located: Located, expr: ast.expr) -> None:
        """Iterating (or `next()` on) a generator of this file whose function iterates a
        DataLoader it was given starts the loader's workers here."""
        made = self._generator_call(expr, located.scope)
        if made is None:
            return
        call, scope = made
        callee = self._called_function(call, scope)
        if callee is None or callee not in self._iterated_params:
            return
        for param, arg in self._bound_arguments(callee, call):
            if param not in self._iterated_params[callee]:
                continue
            self.add_dataloader_starts(
                self.worker_loaders(arg, scope), expr, located,
                self.describe_iteration(located.node, expr),
                via=f"passed to the generator {callee.name}(), which iterates it")

    def unwrapped(self, expr: ast.expr, scope: Scope) -> ast.expr:
        """What a `tqdm(...)` progress bar written here wraps (at any depth): the loader
        expression a finding points at."""
        for _ in range(8):  # tqdm(tqdm(x)) at most a few deep
            if not isinstance(expr, ast.Call) or call_name(expr) not in self._tqdm_names:
                break
            wrapped = expr.args[0] if expr.args else next(
                (k.value for k in expr.keywords if k.arg == "iterable"), None)
            if wrapped is None or self.model.qualname_of(expr.func, scope) != apis.TQDM:
                break
            expr = wrapped
        return expr

    @cached_property
    def _tqdm_names(self) -> frozenset[str]:
        return self._names_reaching(frozenset({"tqdm"}))

    def describe_iteration(self, site: ast.AST, expr: ast.expr) -> str:
        if isinstance(site, ast.For | ast.AsyncFor) and site.iter is expr:
            return f"for {self.text(site.target)} in {self.text(expr)}"
        return self.text(site if isinstance(site, ast.Call) else expr)

    def text(self, node: ast.AST) -> str:
        text = self.model.source.slice(self.model.source.node_range(node))
        first_line = text.splitlines()[0] if text else ""
        return first_line if len(first_line) <= 60 else first_line[:57] + "..."

    # --- processes, pools, executors -----------------------------------------------------------

    def detect_calls(self) -> None:
        tasks_by_creation = self._task_calls()
        names = self._api_names | self._manager_class_names | {"start", None}
        for located in self.model.index.calls_named(names):
            call = located.node
            assert isinstance(call, ast.Call)
            scope = located.scope
            if isinstance(call.func, ast.Attribute) and call.func.attr == "start":
                self._process_start(call, located)
            if not self._may_call_api(call):
                continue
            func = self.model.infer(call.func, scope)
            qualname = func.qualname if func.kind == "api" else None
            if qualname == apis.POOL:
                self._pool_start(call, located, func, tasks_by_creation.get(id(call), []))
            elif qualname == apis.MANAGER:
                self.facts.starts.append(WorkerStart(
                    "manager", call, located, self.text(call), "certain", func.start_method,
                    creation=call, creation_scope=scope))
            elif qualname == apis.PROCESS_POOL_EXECUTOR:
                self._executor_start(call, located, tasks_by_creation.get(id(call), []))
            elif qualname in (apis.TORCH_SPAWN, apis.TORCH_START_PROCESSES):
                self._torch_spawn(call, located, qualname)
            elif self._is_manager_class(func) and self._entered_by_with(call, located):
                self._add_manager_start(call, located, call, scope)
            elif qualname == apis.SET_START_METHOD:
                method = argument(call, "method", 0)
                literal = method.value if isinstance(method, ast.Constant) else None
                literal = literal if isinstance(literal, str) else None
                self.facts.start_method_calls.append((located, literal))
                if literal == "fork":
                    self.facts.fork_requests.append(
                        (located, call, 'set_start_method("fork")'))
            elif qualname == apis.GET_CONTEXT:
                method = argument(call, "method", 0)
                if isinstance(method, ast.Constant) and method.value == "fork":
                    self.facts.fork_requests.append((located, call, 'get_context("fork")'))
            if isinstance(call.func, ast.Call):
                self._joblib_start(call, located)
            for keyword in call.keywords:
                if (keyword.arg in ("multiprocessing_context", "mp_context", "start_method")
                        and isinstance(keyword.value, ast.Constant)
                        and keyword.value.value == "fork"):
                    self.facts.fork_requests.append(
                        (located, keyword.value, f'{keyword.arg}="fork"'))

    def _task_calls(self) -> dict[int, list[tuple[Located, ast.Call, str]]]:
        """Pool/executor method calls grouped by the call that created the pool."""
        grouped: dict[int, list[tuple[Located, ast.Call, str]]] = {}
        for located in self.model.index.calls_named(_TASK_METHODS):
            call = located.node
            assert isinstance(call, ast.Call)
            if not isinstance(call.func, ast.Attribute):
                continue
            method = call.func.attr
            receiver = self.model.infer(call.func.value, located.scope)
            if receiver.kind == "instance" and receiver.call is not None:
                grouped.setdefault(id(receiver.call), []).append((located, call, method))
        return grouped

    def _process_start(self, call: ast.Call, located: Located) -> None:
        assert isinstance(call.func, ast.Attribute)
        receiver = self.model.infer(call.func.value, located.scope)
        if receiver.kind != "instance" or receiver.of is None:
            return
        sent: list[SentObject] = []
        if receiver.of.kind == "api" and receiver.of.qualname == apis.PROCESS:
            creation, scope = receiver.call, receiver.scope
            if creation is None or scope is None:
                return
            for role in ("target", "args", "kwargs"):
                expr = argument(creation, role, _PROCESS_POSITIONS[role])
                for element in _elements(expr) if role != "target" else [expr] if expr else []:
                    sent.append(SentObject(role, element, scope))
        elif (receiver.of.kind == "definition" and receiver.of.definition is not None
              and apis.PROCESS in self.model.base_qualnames(receiver.of.definition)):
            creation = receiver.call
            sent.append(SentObject("process object", call.func.value, located.scope))
        elif self._is_manager_class(receiver.of):
            self._add_manager_start(call, located, receiver.call, receiver.scope)
            return
        else:
            return
        self.facts.starts.append(WorkerStart(
            "process", call, located, self.text(call), "certain", receiver.start_method,
            tuple(sent), creation=creation, creation_scope=receiver.scope))

    def _task_sent(self, tasks: list[tuple[Located, ast.Call, str]]) -> list[SentObject]:
        sent: list[SentObject] = []
        for located, call, method in tasks:
            func = argument(call, "fn" if method == "submit" else "func", 0)
            if func is not None:
                sent.append(SentObject("task function", func, located.scope, is_task=True))
            if method in ("apply", "apply_async"):
                arguments = _elements(argument(call, "args", 1))
            elif method == "submit":
                arguments = [a.value if isinstance(a, ast.Starred) else a for a in call.args[1:]]
                arguments += [k.value for k in call.keywords if k.arg not in ("fn",)]
            else:
                arguments = []
            sent.extend(SentObject("task argument", a, located.scope, is_task=True)
                        for a in arguments)
            if method in _MAPPING_METHODS:
                sent.extend(SentObject("task argument", element, scope, is_task=True)
                            for element, scope in self._mapped_elements(call, method, located))
        return sent

    def _mapped_elements(self, call: ast.Call, method: str,
                         located: Located) -> list[tuple[ast.expr, Scope]]:
        """The items a `map`-like call sends to workers one by one, where its iterable is a
        list/tuple/set literal or a comprehension (or a name assigned one); a `starmap` item
        that is a tuple/list literal is an argument list, whose elements are sent."""
        # Pool methods: (func, iterable, ...); executor map: (fn, *iterables). (A Pool.map's
        # third argument is its chunksize: never a container.)
        iterables = [argument(call, "iterable", 1), *(call.args[2:] if method == "map" else ())]
        elements: list[tuple[ast.expr, Scope]] = []
        for iterable in iterables:
            if iterable is not None and not isinstance(iterable, ast.Starred):
                elements += self._literal_items(iterable, located.scope)
        if method.startswith("starmap"):
            elements = [(inner, scope) for element, scope in elements
                        for inner in (_elements(element)
                                      if isinstance(element, ast.Tuple | ast.List) else [])]
        return elements

    def _literal_items(self, expr: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        if isinstance(expr, ast.Name):
            binding = self.model.resolve(expr.id, scope, expr)
            if binding is None or binding.kind != "assign" or binding.value is None:
                return []
            expr, scope = binding.value, binding.scope
        if isinstance(expr, ast.List | ast.Tuple | ast.Set):
            return [(e, scope) for e in expr.elts if not isinstance(e, ast.Starred)]
        if isinstance(expr, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return [(expr.elt, self.model.index.scope_of_node.get(id(expr), scope))]
        return []

    def _initializer_sent(self, call: ast.Call, scope: Scope,
                          positions: dict[str, int]) -> list[SentObject]:
        sent = []
        initializer = argument(call, "initializer", positions["initializer"])
        if initializer is not None:
            sent.append(SentObject("initializer", initializer, scope))
        sent.extend(SentObject("initargs", e, scope)
                    for e in _elements(argument(call, "initargs", positions["initargs"])))
        return sent

    def _refuses_to_start(self, call: ast.Call, located: Located, name: str,
                          positions: dict[str, int]) -> bool:
        """Whether a Pool's `processes` / an executor's `max_workers` is surely below 1: the
        constructor raises ValueError before any worker starts."""
        expr = argument(call, name, positions[name])
        return expr is not None and count_verdict(
            possible_values(self.model, expr, located.scope)) == "none"

    def _pool_start(self, call: ast.Call, located: Located, func: Value,
                    tasks: list[tuple[Located, ast.Call, str]]) -> None:
        if self._refuses_to_start(call, located, "processes", _POOL_POSITIONS):
            return
        sent = self._initializer_sent(call, located.scope, _POOL_POSITIONS)
        sent += self._task_sent(tasks)
        self.facts.starts.append(WorkerStart(
            "pool", call, located, self.text(call), "certain", func.start_method, tuple(sent),
            creation=call, creation_scope=located.scope))

    def _executor_start(self, call: ast.Call, located: Located,
                        tasks: list[tuple[Located, ast.Call, str]]) -> None:
        executor_tasks = [t for t in tasks if t[2] in apis.EXECUTOR_TASK_METHODS]
        if not executor_tasks or self._refuses_to_start(
                call, located, "max_workers", _EXECUTOR_POSITIONS):
            return
        first_located, first_call, _ = min(
            executor_tasks, key=lambda t: (t[1].lineno, t[1].col_offset))
        context = argument(call, "mp_context", _EXECUTOR_POSITIONS["mp_context"])
        sent = self._initializer_sent(call, located.scope, _EXECUTOR_POSITIONS)
        sent += self._task_sent(executor_tasks)
        self.facts.starts.append(WorkerStart(
            "executor", first_call, first_located, self.text(first_call), "certain",
            self.method_of_context_argument(context, located.scope), tuple(sent),
            creation=call, creation_scope=located.scope))

    def _torch_spawn(self, call: ast.Call, located: Located, qualname: str) -> None:
        sent = []
        fn = argument(call, "fn", 0)
        if fn is not None:
            sent.append(SentObject("fn", fn, located.scope, is_task=True))
        sent.extend(SentObject("args", e, located.scope, is_task=True)
                    for e in _elements(argument(call, "args", 1)))
        method = "spawn"
        if qualname == apis.TORCH_START_PROCESSES:
            method = self.method_of_context_argument(
                argument(call, "start_method", 5), located.scope) or "spawn"
        self.facts.starts.append(WorkerStart(
            "torch_spawn", call, located, self.text(call), "certain", method, tuple(sent),
            creation=call, creation_scope=located.scope))

    def _joblib_start(self, call: ast.Call, located: Located) -> None:
        inner = call.func
        assert isinstance(inner, ast.Call)
        parallel = self.model.infer(inner.func, located.scope)
        if parallel.kind != "api" or parallel.qualname != apis.JOBLIB_PARALLEL:
            return
        backend = argument(inner, "backend", 2)
        if not (isinstance(backend, ast.Constant) and backend.value == "multiprocessing"):
            return
        sent = []
        for arg in call.args:
            element = getattr(arg, "elt", arg)
            if isinstance(element, ast.Call) and isinstance(element.func, ast.Call):
                delayed = self.model.infer(element.func.func, located.scope)
                if delayed.kind == "api" and delayed.qualname == apis.JOBLIB_DELAYED:
                    scope = self.model.index.scope_of_node.get(id(arg), located.scope)
                    if element.func.args:
                        sent.append(SentObject("task function", element.func.args[0], scope,
                                               is_task=True))
        self.facts.starts.append(WorkerStart(
            "joblib", call, located, self.text(call), "certain", None, tuple(sent),
            creation=inner, creation_scope=located.scope))


def is_generator_function(definition: Definition) -> bool:
    """Whether a function of this file is a generator function (calling it runs nothing)."""
    node = definition.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in own_nodes(*node.body))


def detect_worker_facts(model: ModuleModel) -> WorkerFacts:
    # Every API qualname comes from an import: without one of these packages imported, the
    # file cannot start workers (a cheap exit for most files of a big tree).
    roots = model.index.imported_roots
    # A project module may hand over a DataLoader (only if the file imports one that matters).
    cross_file = model.project is not None and model.project.may_matter_to(
        model.source.text, model.path)
    if not roots & apis.WORKER_PACKAGES and not cross_file:
        return WorkerFacts()
    detector = _Detector(model)
    if roots & apis.DATALOADER_PACKAGES or cross_file:
        detector.detect_dataloaders()
    detector.detect_calls()
    if roots & framework_apis.FRAMEWORK_PACKAGES:
        from spawnguard.analysis.frameworks import detect_framework_starts  # (imports this)

        detect_framework_starts(detector)
    detector.facts.starts.sort(key=lambda s: (getattr(s.node, "lineno", 0),
                                              getattr(s.node, "col_offset", 0)))
    return detector.facts
