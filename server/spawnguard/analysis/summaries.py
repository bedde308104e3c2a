"""Building a module's `ModuleSummary` from its model: what other modules can import from it
that matters under spawn."""

from __future__ import annotations

import ast

from spawnguard.analysis import apis
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.pickling import class_state_problems, pickle_problems
from spawnguard.analysis.project import (
    ForeignProblem,
    ForeignSite,
    LoaderFactory,
    ModuleSummary,
    UnpicklableFactory,
)
from spawnguard.analysis.workers import (
    dataloader_context,
    dataloader_sent,
    dataloader_worker_count,
)


def summarize(model: ModuleModel) -> ModuleSummary:
    assert model.path is not None
    return ModuleSummary(
        path=model.path,
        import_time_start=import_time_start(model),
        loader_factories=_loader_factories(model),
        unpicklable_factories=_unpicklable_factories(model),
        class_state=_class_state(model),
    )


def site(model: ModuleModel, node: ast.AST, description: str) -> ForeignSite:
    assert model.path is not None
    return ForeignSite(model.path, model.range(node), description)


def import_time_start(model: ModuleModel) -> ForeignSite | None:
    """Where importing this module starts workers (its own start, or an import of a module
    that does), under a start method that re-imports modules."""
    for start in model.worker_starts:
        if model.start_method(start) not in apis.SPAWNING_METHODS:
            continue
        if model.execution(start.located).at_import:
            return site(model, start.node, start.description)
    for located, module, summary in imported_project_modules(model):
        if model.execution(located).at_import and summary.import_time_start is not None:
            inner = summary.import_time_start
            return ForeignSite(inner.path, inner.range,
                               f"{inner.description} (through `import {module}`)")
    return None


def imported_project_modules(model: ModuleModel):
    """(import statement, module name, summary) for each import of a project module."""
    for located in model.index.imports:
        node = located.node
        for module in _modules_of(node):
            summary = model.foreign_module(module)
            if summary is not None:
                yield located, module.lstrip("."), summary


def _modules_of(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = "." * node.level + (node.module or "")
    modules = [base] if base.strip(".") else []
    joiner = "" if base.endswith(".") or not base else "."
    modules += [f"{base}{joiner}{alias.name}" for alias in node.names if alias.name != "*"]
    return modules


def _module_functions(model: ModuleModel):
    for definition in model.index.definitions:
        if definition.placement == "module" and not definition.is_class \
                and not definition.is_lambda:
            yield definition


def _reexported_loader_factories(model: ModuleModel) -> dict[str, LoaderFactory]:
    """`from .loaders import make_loader` (or `*`) at import time: the package hands out
    the factory under that name too."""
    project = model.project
    factories: dict[str, LoaderFactory] = {}
    if project is None:
        return factories
    for located in model.index.imports:
        node = located.node
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").strip(".") \
                or not model.execution(located).at_import:
            continue
        path = project.module_path("." * node.level + (node.module or ""), model.path)
        if path is None:
            continue
        model.project_dependencies.add(path)
        for alias in node.names:
            if alias.name == "*":
                exported = project.loader_factories(path)
                factories.update({name: factory for name, factory in exported.items()
                                  if not name.startswith("_")})
            elif (factory := project.loader_factory(path, alias.name)) is not None:
                factories[alias.asname or alias.name] = factory
    return factories


def _loader_factories(model: ModuleModel) -> dict[str, LoaderFactory]:
    factories = _reexported_loader_factories(model)
    for function in _module_functions(model):
        value = model.returned_value(function, 0)
        if not value.is_instance_of(apis.DATALOADER):
            continue
        if isinstance(value.foreign, LoaderFactory):  # a factory that calls a factory
            factory = value.foreign
            factories[function.name] = LoaderFactory(function.name, factory.workers,
                                                     factory.explicit_method, factory.creation,
                                                     factory.problems)
            continue
        call, scope = value.call, value.scope
        workers = dataloader_worker_count(model, value)
        if call is None or scope is None or workers == "none":
            continue
        problems = []
        assert model.project is not None
        with model.project.full_views():
            for sent in dataloader_sent(call, scope):
                for problem in pickle_problems(model, sent):
                    node = problem.definition.node if problem.definition else sent.expr
                    where = problem.foreign_site or site(model, node, problem.what)
                    problems.append(ForeignProblem(problem.code, problem.what, sent.role,
                                                   where, problem.attribute))
        context = dataloader_context(call)
        method = None
        if isinstance(context, ast.Constant) and isinstance(context.value, str):
            method = context.value
        factories[function.name] = LoaderFactory(
            function.name, workers, method, site(model, call, "the DataLoader is created here"),
            tuple(problems))
    return factories


def _unpicklable_factories(model: ModuleModel) -> dict[str, UnpicklableFactory]:
    factories = {}
    for function in _module_functions(model):
        value = model.returned_value(function, 0)
        returned = value.definition if value.kind == "definition" else None
        if returned is None or returned.is_class:
            continue
        if returned.is_lambda:
            what = "a lambda"
        elif returned.placement == "local":
            what = f"the nested function `{returned.name}`"
        else:
            continue
        factories[function.name] = UnpicklableFactory(
            function.name, what, site(model, returned.node, f"{what} is defined here"))
    return factories


def _class_state(model: ModuleModel) -> dict[str, tuple[ForeignProblem, ...]]:
    states = {}
    for definition in model.index.definitions:
        if not definition.is_class or definition.placement != "module":
            continue
        problems = class_state_problems(model, definition)
        if problems:
            states[definition.name] = tuple(
                ForeignProblem("SPG203", what, "dataset",
                               site(model, statement, f"`self.{attribute}` holds {what}"),
                               attribute)
                for attribute, what, statement in problems)
    return states
