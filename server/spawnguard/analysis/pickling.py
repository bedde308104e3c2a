"""Will a value sent to workers unpickle there?

pickle stores functions and classes by reference (module + qualified name); the child looks
them up after re-importing the script as `__mp_main__`. That fails for lambdas, nested
functions and local classes (no importable name), and for anything defined inside the main
guard (the child never runs the guard). Instances carry their state, which must pickle too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from spawnguard.analysis import apis
from spawnguard.analysis.project import ForeignCall, ForeignSite, UnpicklableFactory
from spawnguard.analysis.scopes import Definition, Scope, own_nodes
from spawnguard.analysis.values import Value
from spawnguard.analysis.workers import (
    SentObject,
    WorkerStart,
    argument,
    is_generator_function,
)

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel

ProblemCode = Literal["SPG201", "SPG202", "SPG203", "SPG401"]
_STATE_HOOKS = ("__getstate__", "__reduce__", "__reduce_ex__")


@dataclass(frozen=True, eq=False)
class PickleProblem:
    code: ProblemCode
    what: str  # "a lambda", "the nested function `f`", ...
    sent: SentObject
    definition: Definition | None = None  # what to point at (and lift / move)
    # SPG203: the attribute assignment or constructor argument at fault.
    culprit: ast.AST | None = None
    attribute: str | None = None
    # Where the problem lives when that is another file of the project.
    foreign_site: ForeignSite | None = None
    # SPG203: the lambda or function of this file stored on `self`, when that is the state.
    stored: Definition | None = None
    # The worker start that sends it (set by the rules, which know the start).
    start: WorkerStart | None = None


def pickle_problems(model: ModuleModel, sent: SentObject) -> list[PickleProblem]:
    value = model.infer(sent.expr, sent.scope)
    problems = _classify(model, value, sent, prefix="")
    if sent.role == "dataset" and value.kind == "instance":
        problems += dataset_state_problems(model, value, sent)
        # Subset / random_split / ConcatDataset pickle the datasets they wrap.
        for inner in wrapped_datasets(model, value):
            problems += _classify(model, inner, sent, prefix="")
            if inner.kind == "instance":
                problems += dataset_state_problems(model, inner, sent)
    return problems


def wrapped_datasets(model: ModuleModel, dataset: Value, depth: int = 0) -> list[Value]:
    """The datasets a torch `Subset` (also what `random_split` returns) or `ConcatDataset`
    holds, at any depth, where the call that built it shows them."""
    call, scope = dataset.call, dataset.scope
    if dataset.of is None or call is None or scope is None or depth > 4:
        return []
    if dataset.of.qualname in (apis.SUBSET, apis.RANDOM_SPLIT):
        expressions = [argument(call, "dataset", 0)]
    elif dataset.of.qualname == apis.CONCAT_DATASET:
        expressions = _listed(model, argument(call, "datasets", 0), scope)
    else:
        return []
    found: list[Value] = []
    for expr in expressions:
        if expr is None:
            continue
        inner = model.infer(expr, scope)
        found.append(inner)
        if inner.kind == "instance":
            found += wrapped_datasets(model, inner, depth + 1)
    return found


def _listed(model: ModuleModel, expr: ast.expr | None, scope: Scope) -> list[ast.expr | None]:
    """The items of a list/tuple literal, or of the one a name is assigned."""
    if isinstance(expr, ast.Name):
        binding = model.resolve(expr.id, scope, expr)
        expr = binding.value if binding is not None and binding.kind == "assign" else None
    if isinstance(expr, ast.List | ast.Tuple):
        return [e for e in expr.elts if not isinstance(e, ast.Starred)]
    return []


def _classify(model: ModuleModel, value: Value, sent: SentObject,
              prefix: str) -> list[PickleProblem]:
    factory = value.foreign
    if isinstance(factory, ForeignCall) and model.project is not None:
        factory = model.project.unpicklable_factory(factory)
    if isinstance(factory, UnpicklableFactory):
        return [PickleProblem("SPG201", f"{prefix}{factory.what} returned by "
                              f"{factory.function}()", sent, foreign_site=factory.site)]
    notebook = model.settings.notebook
    if value.kind == "definition" and value.definition is not None:
        problem = _definition_problem(value.definition, sent, prefix, False, notebook)
        return [problem] if problem else []
    if value.kind == "instance" and value.of is not None and value.of.definition is not None:
        problem = _definition_problem(value.of.definition, sent, prefix, True, notebook)
        return [problem] if problem else []
    if value.kind == "bound_method" and value.of is not None:
        inner = _classify(model, value.of, sent, prefix)
        return [_reword(p, f"a method of {p.what}") for p in inner]
    if value.kind == "partial" and value.of is not None:
        problems = _classify(model, value.of, sent, prefix + "a functools.partial of ")
        if value.call is not None and value.scope is not None:
            for arg in (*value.call.args[1:], *(k.value for k in value.call.keywords)):
                argument_value = model.infer(arg, value.scope)
                problems += _classify(model, argument_value, sent,
                                      prefix + "a functools.partial with ")
        return problems
    return []


def _reword(problem: PickleProblem, what: str) -> PickleProblem:
    return replace(problem, what=what)


def _definition_problem(definition: Definition, sent: SentObject, prefix: str,
                        instance: bool, notebook: bool) -> PickleProblem | None:
    if definition.is_lambda:
        return PickleProblem("SPG201", f"{prefix}a lambda", sent, definition)
    noun = "class" if definition.is_class else "function"
    if notebook and definition.placement in ("module", "guard", "member"):
        # A notebook's __main__ cannot be imported by a spawned worker at all.
        what = (f"an instance of `{definition.name}`" if instance
                else f"the {noun} `{definition.name}`")
        return PickleProblem("SPG401", prefix + what, sent, definition)
    if definition.placement == "local":
        what = (f"an instance of the local class `{definition.name}`" if instance
                else f"the {'local' if definition.is_class else 'nested'} {noun} "
                f"`{definition.name}`")
        return PickleProblem("SPG201", prefix + what, sent, definition)
    if definition.placement == "guard":
        what = (f"an instance of `{definition.name}`" if instance
                else f"the {noun} `{definition.name}`")
        return PickleProblem("SPG202", prefix + what, sent, definition)
    return None


def dataset_state_problems(model: ModuleModel, dataset: Value,
                           sent: SentObject) -> list[PickleProblem]:
    """SPG203: a dataset whose state cannot be pickled."""
    if dataset.of is not None and dataset.of.kind == "api" and dataset.of.qualname:
        return _imported_dataset_problems(model, dataset.of.qualname, sent)
    if dataset.of is None or dataset.of.definition is None:
        return []
    cls = dataset.of.definition
    if cls.placement not in ("module", "member") or takes_over_pickling(model, cls):
        return []  # SPG201/SPG202 already say a local class cannot travel
    problems = [
        PickleProblem("SPG203", what, sent, cls, culprit=statement, attribute=attribute,
                      stored=stored)
        for attribute, what, statement, stored in _class_state(model, cls)
    ]
    if dataset.call is not None and dataset.scope is not None:
        problems += _lambda_arguments(model, dataset, sent)
    return problems


def class_state_problems(model: ModuleModel,
                         cls: Definition) -> list[tuple[str, str, ast.stmt]]:
    """(attribute, what, assignment) for state a class's `__init__` stores that cannot be
    pickled; nothing when the class takes over its pickling (`__getstate__`, `__reduce__`)."""
    return [(attribute, what, statement)
            for attribute, what, statement, _ in _class_state(model, cls)]


def _class_state(model: ModuleModel,
                 cls: Definition) -> list[tuple[str, str, ast.stmt, Definition | None]]:
    """`class_state_problems`, with the lambda or function stored when that is the state."""
    if takes_over_pickling(model, cls):
        return []
    problems: list[tuple[str, str, ast.stmt, Definition | None]] = []
    for owner in model.class_lineage(cls):
        init = model.class_member(owner, "__init__")
        if init is None or init.parent.definition is not owner:
            continue
        for attribute, value_node, statement in _self_assignments(init):
            what = _unpicklable_state(model, value_node, init)
            if what and not _replaced_later(init, attribute, statement):
                problems.append((attribute, what, statement,
                                 _stored_definition(model, value_node, init)))
    return problems


def _stored_definition(model: ModuleModel, node: ast.expr,
                       init: Definition) -> Definition | None:
    value = model.infer(node, init.scope)
    return value.definition if value.kind == "definition" else None


def _replaced_later(init: Definition, attribute: str, statement: ast.stmt) -> bool:
    """Whether `__init__` surely replaces (or deletes) `self.<attribute>` after `statement`
    before it returns: a later assignment among its body's own statements (not inside an
    `if`, loop, `try` or `with`), with no `return` on the way. The pickled state then holds
    that later value."""
    node = init.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    self_name = _self_name(node)
    body = node.body
    start = next((i for i, top in enumerate(body)
                  if any(n is statement for n in ast.walk(top))), None)
    if self_name is None or start is None:
        return False
    for index in range(start + 1, len(body)):
        if _sets_attribute(body[index], self_name, attribute):
            return not any(_returns_early(top) for top in body[start:index])
    return False


def _self_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    params = [*node.args.posonlyargs, *node.args.args]
    return params[0].arg if params else None


def _is_self_attribute(target: ast.expr, self_name: str, attribute: str) -> bool:
    return (isinstance(target, ast.Attribute) and target.attr == attribute
            and isinstance(target.value, ast.Name) and target.value.id == self_name)


def _sets_attribute(statement: ast.stmt, self_name: str, attribute: str) -> bool:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    elif isinstance(statement, ast.Delete):
        targets = statement.targets
    else:
        return False
    return any(_is_self_attribute(t, self_name, attribute) for t in targets)


def _returns_early(statement: ast.stmt) -> bool:
    return any(isinstance(node, ast.Return) for node in own_nodes(statement))


def _imported_dataset_problems(model: ModuleModel, qualname: str,
                               sent: SentObject) -> list[PickleProblem]:
    found = model.foreign(qualname)
    if found is None:
        return []
    summary, name = found
    return [
        PickleProblem("SPG203", problem.what, sent, attribute=problem.attribute,
                      foreign_site=problem.site)
        for problem in summary.class_state.get(name, ())
    ]


def _lambda_arguments(model: ModuleModel, dataset: Value,
                      sent: SentObject) -> list[PickleProblem]:
    """A dataset built with a lambda or nested function argument (it is likely stored)."""
    problems: list[PickleProblem] = []
    assert dataset.call is not None and dataset.scope is not None
    for name, given in _constructor_arguments(dataset.call):
        listed = isinstance(given, ast.List | ast.Tuple)
        for arg in _listed(model, given, dataset.scope) if listed else [given]:
            value = model.infer(arg, dataset.scope)
            if arg is None or value.kind != "definition" or value.definition is None or not (
                    value.definition.is_lambda or value.definition.placement == "local"):
                continue
            what = "a lambda" if value.definition.is_lambda else "a nested function"
            if listed:
                what += f" in a {'list' if isinstance(given, ast.List) else 'tuple'}"
            problems.append(PickleProblem(
                "SPG203", what, sent, value.definition, culprit=arg, attribute=name))
    return problems


def takes_over_pickling(model: ModuleModel, cls: Definition) -> bool:
    return any(model.class_member(c, hook) for c in model.class_lineage(cls)
               for hook in _STATE_HOOKS)


def _self_assignments(init: Definition) -> list[tuple[str, ast.expr, ast.stmt]]:
    node = init.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    params = [*node.args.posonlyargs, *node.args.args]
    if not params:
        return []
    self_name = params[0].arg
    found = []
    pending: list[ast.AST] = list(node.body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [
                statement.target]
            for target in targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == self_name):
                    found.append((target.attr, statement.value, statement))
        elif isinstance(statement, ast.stmt):
            pending.extend(c for c in ast.iter_child_nodes(statement) if isinstance(c, ast.stmt))
    return found


def _unpicklable_state(model: ModuleModel, node: ast.expr, init: Definition) -> str | None:
    if isinstance(node, ast.GeneratorExp):
        return "a generator"
    if isinstance(node, ast.Lambda):
        return "a lambda"
    value = model.infer(node, init.scope)
    if value.kind == "definition" and value.definition is not None:
        if value.definition.is_lambda:
            return "a lambda"
        if value.definition.placement == "local":
            return "a nested function"
    if isinstance(node, ast.Call):
        func = model.infer(node.func, init.scope)
        if func.kind == "api" and func.qualname in apis.UNPICKLABLE_FACTORIES:
            return apis.UNPICKLABLE_FACTORIES[func.qualname]
        if (isinstance(node.func, ast.Attribute) and node.func.attr == "open"
                and _is_path(model, node.func.value, init.scope)):
            return "an open file"
        if func.kind == "definition" and func.definition is not None and is_generator_function(
                func.definition):
            return "a generator"
    return None


def _is_path(model: ModuleModel, node: ast.expr, scope: Scope, depth: int = 0) -> bool:
    """Whether `node` is a `pathlib.Path`: a call of it, `path / "name"` of one, or a name
    assigned one or a parameter annotated with it."""
    if depth > 4:
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _is_path(model, node.left, scope, depth + 1)
    if isinstance(node, ast.Name):
        binding = model.resolve(node.id, scope, node)
        if binding is not None and binding.kind == "param" and isinstance(binding.node, ast.arg):
            annotation = model.infer(binding.node.annotation, binding.scope.parent or scope)
            return annotation.kind == "api" and annotation.qualname in apis.PATH_CLASSES
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            return _is_path(model, binding.value, binding.scope, depth + 1)
    value = model.infer(node, scope)
    return (value.kind == "instance" and value.of is not None
            and value.of.qualname in apis.PATH_CLASSES)


def _constructor_arguments(call: ast.Call) -> list[tuple[str, ast.expr]]:
    named = [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    positional = [(f"argument {i + 1}", a) for i, a in enumerate(call.args)]
    return positional + named
