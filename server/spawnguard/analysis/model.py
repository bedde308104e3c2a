"""ModuleModel: every fact the rules need about one file, built once per text version.

Built from one walk (`scopes`), then name resolution and value inference on demand (cached),
the call graph of this file's functions, and the worker starts (`workers`).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from spawnguard.analysis import apis
from spawnguard.analysis.attributes import StoredAttributes, stored_attributes
from spawnguard.analysis.calls import CallGraph, Execution, build_call_graph
from spawnguard.analysis.findings import Position, Range
from spawnguard.analysis.guard import GuardKind, GuardVerdict
from spawnguard.analysis.project import ForeignCall
from spawnguard.analysis.scopes import (
    Binding,
    Definition,
    Located,
    Scope,
    ScopeIndex,
    StatementFacts,
    build_scopes,
    own_nodes,
)
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.values import UNKNOWN_VALUE, Value, api, one_of
from spawnguard.analysis.workers import WorkerFacts, WorkerStart, detect_worker_facts

if TYPE_CHECKING:
    from spawnguard.analysis.project import ModuleSummary, Project

_BUILTIN_NAMES = frozenset(dir(builtins))
_NOT_A_GUARD = GuardVerdict(GuardKind.NONE)
_MAX_DEPTH = 12
# A container's elements inferred when one of them is asked for (loader tables are small;
# a data table of thousands of literals need not be inferred element by element).
_MAX_ELEMENTS = 32
# `element_value` without a key: any element.
_ANY_KEY = object()


@dataclass(eq=False)
class ModuleModel:
    source: SourceText
    tree: ast.Module
    settings: AnalysisSettings
    path: str | None
    index: ScopeIndex
    project: Project | None = None
    # Project files whose summaries this model's facts depend on.
    project_dependencies: set[str] = field(default_factory=set)
    # Results that several findings share (the guard fix plan), computed once per version.
    memo: dict[str, Any] = field(default_factory=dict)
    _value_cache: dict[tuple[int, int], Value] = field(default_factory=dict)
    _lineages: dict[tuple[str, int], list[Definition]] = field(default_factory=dict)
    _attributes: dict[int, StoredAttributes] = field(default_factory=dict)
    # Containers and attributes whose elements are being inferred: one that reaches itself
    # again (`self.a = self.a`, `table = [table]`) is unknown there, not inferred anew.
    _inferring: set[tuple[int, object]] = field(default_factory=set)

    @classmethod
    def build(cls, source: SourceText, tree: ast.Module, *, settings: AnalysisSettings,
              path: str | None, project: Project | None = None,
              scope_cache: dict[ast.stmt, StatementFacts] | None = None) -> ModuleModel:
        return cls(source, tree, settings, path, build_scopes(tree, scope_cache), project)

    # --- other modules of the project ----------------------------------------------------------

    def foreign(self, qualname: str) -> tuple[ModuleSummary, str] | None:
        """The summary of the project module that defines `qualname`, and the name in it."""
        if self.project is None:
            return None
        found = self.project.resolve(qualname, self.path)
        if found is not None:
            self.project_dependencies.add(found[0].path)
        return found

    def foreign_module(self, module: str) -> ModuleSummary | None:
        if self.project is None:
            return None
        path = self.project.module_path(module, self.path)
        if path is None:
            return None
        self.project_dependencies.add(path)
        return self.project.import_summary(path)

    # --- structure -----------------------------------------------------------------------------

    @property
    def module_scope(self) -> Scope:
        return self.index.module

    @cached_property
    def main_guard(self) -> ast.If | None:
        """The first correct main guard among the module's own statements (fixes add to it)."""
        top_level = {id(s) for s in self.tree.body}
        return next((g for g in self.index.guards if id(g) in top_level), None)

    def guard_verdict(self, node: ast.If) -> GuardVerdict:
        """How an `if` tests `__name__` (the walk classified each one)."""
        return self._guard_verdicts.get(id(node), _NOT_A_GUARD)

    @cached_property
    def _guard_verdicts(self) -> dict[int, GuardVerdict]:
        return {id(m.node): m.verdict for m in self.index.name_ifs}

    def definition(self, node: ast.AST) -> Definition | None:
        return self.index.definition_of.get(id(node))

    def range(self, node: ast.AST) -> Range:
        return self.source.node_range(node)

    def is_import_region(self, statement: ast.stmt) -> bool:
        return self.index.region_of_statement.get(id(statement)) == "import"

    def hover_facts(self, position: Position) -> str | None:
        """Markdown about the DataLoader call, `num_workers=` or main guard at `position`."""
        from spawnguard.analysis.hover_facts import hover_facts

        return hover_facts(self, position)

    # --- execution and workers ---------------------------------------------------------------

    @cached_property
    def call_graph(self) -> CallGraph:
        return build_call_graph(self)

    def execution(self, located: Located) -> Execution:
        return self.call_graph.execution(located)

    @cached_property
    def worker_facts(self) -> WorkerFacts:
        return detect_worker_facts(self)

    @property
    def worker_starts(self) -> list[WorkerStart]:
        return self.worker_facts.starts

    @cached_property
    def file_start_method(self) -> str | None:
        """The method a `set_start_method("...")` of this file chooses, if it names one."""
        for _, method in self.worker_facts.start_method_calls:
            if method:
                return method
        return None

    def start_method(self, start: WorkerStart) -> str:
        """The start method `start` runs under, as far as this file decides it."""
        return (start.explicit_method or self.file_start_method
                or self.settings.assume_start_method)

    def start_pickles_everything(self, start: WorkerStart) -> bool:
        """Under spawn and forkserver everything sent is pickled; under fork only tasks."""
        return self.start_method(start) in apis.SPAWNING_METHODS

    def names_unavailable_in_child(self, definition: Definition) -> frozenset[str]:
        """Names a definition may read that a spawn child will not have at module level:
        locals of enclosing functions, and names bound only inside the main guard."""
        names: set[str] = set()
        scope = definition.parent
        while scope is not None and scope is not self.module_scope:
            if scope.kind in ("function", "lambda", "comprehension"):
                names.update(scope.bindings)
            scope = scope.parent
        for name, bindings in self.module_scope.bindings.items():
            if all(b.region == "guard" for b in bindings):
                names.add(name)
        return frozenset(names)

    # --- names ---------------------------------------------------------------------------------

    def resolve(self, name: str, scope: Scope, at: ast.AST | None = None) -> Binding | None:
        """The binding a load of `name` in `scope` sees (None: a builtin or undefined)."""
        current: Scope | None = scope
        first = True
        while current is not None:
            if current.kind == "class" and not first:
                current = current.parent  # class bodies do not enclose their methods
                continue
            if name in current.declared_global:
                current = self.module_scope
            bindings = current.bindings.get(name)
            if bindings and (current.is_local(name) or current is self.module_scope):
                return _pick_binding(bindings, at if current is scope else None)
            first = False
            current = current.parent
        return None

    def infer(self, node: ast.expr | None, scope: Scope, depth: int = 0) -> Value:
        if node is None or depth > _MAX_DEPTH:
            return UNKNOWN_VALUE
        key = (id(node), id(scope))
        cache = self._value_cache
        cached = cache.get(key)
        if cached is None:
            # A value that reaches itself (`self.a = self.b; self.b = [self.a]`, or through a
            # call that starts a fresh inference) is unknown, not a loop until the stack ends.
            cache[key] = UNKNOWN_VALUE
            cached = cache[key] = self._infer(node, scope, depth)
        return cached

    def _infer(self, node: ast.expr, scope: Scope, depth: int) -> Value:
        if isinstance(node, ast.Constant):
            return Value("literal", literal=node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            operand = node.operand.value
            if isinstance(node.op, ast.USub) and isinstance(operand, int | float):
                return Value("literal", literal=-operand)
        if isinstance(node, ast.Name):
            return self.infer_name(node.id, scope, node, depth)
        if isinstance(node, ast.Attribute):
            return self.infer_attribute(node, scope, depth)
        if isinstance(node, ast.Call):
            return self.infer_call(node, scope, depth)
        if isinstance(node, ast.Lambda):
            definition = self.definition(node)
            return Value("definition", definition=definition) if definition else UNKNOWN_VALUE
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            return Value("sequence", of=self.infer(node.elts[0], scope, depth + 1),
                         source=node, scope=scope)
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            comprehension_scope = self._scope_of_comprehension(node) or scope
            return Value("sequence", of=self.infer(node.elt, comprehension_scope, depth + 1),
                         source=node, scope=scope)
        if isinstance(node, ast.Dict | ast.DictComp):
            return Value("mapping", source=node, scope=scope)
        if isinstance(node, ast.Subscript):
            return self.infer_subscript(node, scope, depth)
        if isinstance(node, ast.NamedExpr):
            return self.infer(node.value, scope, depth + 1)
        return UNKNOWN_VALUE

    def infer_name(self, name: str, scope: Scope, at: ast.AST | None, depth: int) -> Value:
        binding = self.resolve(name, scope, at)
        if binding is None:
            return api(f"builtins.{name}") if name in _BUILTIN_NAMES else UNKNOWN_VALUE
        return self.binding_value(binding, depth)

    def binding_value(self, binding: Binding, depth: int = 0) -> Value:
        if binding.kind == "import" and binding.qualname:
            return api(apis.canonical(binding.qualname))
        if binding.kind in ("def", "class"):
            definition = self.definition(binding.node)
            return Value("definition", definition=definition) if definition else UNKNOWN_VALUE
        if binding.kind == "assign" and binding.value is not None:
            return self.infer(binding.value, binding.scope, depth + 1)
        if binding.kind == "with" and binding.value is not None:
            # `with Pool() as pool`: __enter__ returns the pool itself for the APIs we track.
            return self.infer(binding.value, binding.scope, depth + 1)
        if binding.kind == "loop" and binding.value is not None:
            iterated = self.infer(binding.value, _loop_scope(binding), depth + 1)
            if iterated.kind == "sequence" and iterated.of is not None:
                return iterated.of
        if binding.kind == "loop" and binding.value is None:
            return self._unpacked_loop_value(binding, depth)
        if binding.kind == "param":
            return self._parameter_value(binding)
        if binding.kind == "other" and isinstance(binding.node, ast.Assign):
            return self._unpacked_value(binding, binding.node, depth)
        return UNKNOWN_VALUE

    def _unpacked_value(self, binding: Binding, statement: ast.Assign, depth: int) -> Value:
        """A name of `a, b = value`: the matching item of a tuple/list literal, the namespace
        of `parser.parse_known_args()` (first item), a Subset of `random_split(dataset, ...)`."""
        target = next((t for t in statement.targets if isinstance(t, ast.Tuple | ast.List)
                       and any(getattr(e, "id", None) == binding.name for e in t.elts)), None)
        if target is None or any(isinstance(e, ast.Starred) for e in target.elts):
            return UNKNOWN_VALUE
        names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
        index = len(names) - 1 - names[::-1].index(binding.name)  # the last one wins
        value, scope = statement.value, binding.scope
        if isinstance(value, ast.Tuple | ast.List):
            if len(value.elts) == len(names) and not any(
                    isinstance(e, ast.Starred) for e in value.elts):
                return self.infer(value.elts[index], scope, depth + 1)
            return UNKNOWN_VALUE
        if not isinstance(value, ast.Call):
            return UNKNOWN_VALUE
        func = self.infer(value.func, scope, depth + 1)
        if (func.kind == "bound_method" and func.attribute == "parse_known_args" and index == 0
                and func.of is not None and func.of.is_instance_of(apis.ARGUMENT_PARSER)):
            return Value("namespace", of=func.of)
        if func.kind == "api" and func.qualname == apis.RANDOM_SPLIT:
            return Value("instance", of=api(apis.SUBSET), call=value, scope=scope)
        return UNKNOWN_VALUE

    def _unpacked_loop_value(self, binding: Binding, depth: int) -> Value:
        """A name of `for key, value in table.items()`, `for i, x in enumerate(xs)`,
        `for a, b in zip(xs, ys)` (nested too: `for i, (name, x) in enumerate(zip(...))`): an
        element of the container it comes from."""
        loop = binding.node
        if not isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension):
            return UNKNOWN_VALUE
        path = _target_path(loop.target, binding.name)
        if path is None:
            return UNKNOWN_VALUE
        scope = _loop_scope(binding)
        source: ast.expr = loop.iter
        for step, (position, width) in enumerate(path):
            if not isinstance(source, ast.Call) or any(
                    isinstance(a, ast.Starred) for a in source.args):
                return UNKNOWN_VALUE
            func = source.func
            if isinstance(func, ast.Attribute) and func.attr == "items" and not source.args:
                if (position, width) != (1, 2) or step != len(path) - 1:
                    return UNKNOWN_VALUE
                mapping = self.infer(func.value, scope, depth + 1)
                return self.element_value(mapping, depth=depth)
            called = self.qualname_of(func, scope, depth + 1)
            if called == "builtins.enumerate" and source.args and (position, width) == (1, 2):
                source = source.args[0]
            elif called == "builtins.zip" and len(source.args) == width:
                source = source.args[position]
            else:
                return UNKNOWN_VALUE
        return self.element_value(self.infer(source, scope, depth + 1), depth=depth)

    def infer_subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Value:
        """An item of a sequence or mapping of this file (`loaders["train"]`,
        `dataloaders[phase]`); a slice of a sequence is that sequence's kind."""
        container = self.infer(node.value, scope, depth + 1)
        if container.kind not in ("sequence", "mapping"):
            return UNKNOWN_VALUE
        if isinstance(node.slice, ast.Slice):
            return container if container.kind == "sequence" else UNKNOWN_VALUE
        return self.element_value(container, self._literal_key(node.slice, scope, depth), depth)

    def _literal_key(self, key: ast.expr, scope: Scope, depth: int) -> object:
        """The literal a subscript's key is, or `_ANY_KEY`. A loop variable is any key (its
        value here is only the first element's)."""
        if isinstance(key, ast.Name):
            binding = self.resolve(key.id, scope, key)
            if binding is None or binding.kind != "assign":
                return _ANY_KEY
        value = self.infer(key, scope, depth + 1)
        return value.literal if value.kind == "literal" else _ANY_KEY

    def element_value(self, container: Value, key: object = _ANY_KEY, depth: int = 0) -> Value:
        """An element of a sequence or mapping: the one at a literal `key` where the literal
        shows it, else one of them all."""
        source, scope = container.source, container.scope
        if container.kind not in ("sequence", "mapping"):
            return UNKNOWN_VALUE
        if source is None or scope is None:
            return container.of or UNKNOWN_VALUE
        if (id(source), key) in self._inferring:
            return UNKNOWN_VALUE
        inner_scope = self._scope_of_comprehension(source) or scope
        expressions: list[ast.expr]
        if isinstance(source, ast.List | ast.Tuple):
            expressions = [e for e in source.elts if not isinstance(e, ast.Starred)]
            if (type(key) is int and len(expressions) == len(source.elts)
                    and -len(expressions) <= key < len(expressions)):
                expressions = [expressions[key]]
        elif isinstance(source, ast.Dict):
            pairs = list(zip(source.keys, source.values, strict=True))
            expressions = [v for k, v in pairs if k is not None]
            literal_keys = all(isinstance(k, ast.Constant) for k, _ in pairs)
            if key is not _ANY_KEY and literal_keys:
                matching = [v for k, v in pairs if k.value == key]  # type: ignore[union-attr]
                expressions = matching[-1:]  # a missing key raises KeyError
        elif isinstance(source, ast.Call):  # dict(train=..., val=...)
            named = [(k.arg, k.value) for k in source.keywords if k.arg is not None]
            expressions = [v for _, v in named]
            if key is not _ANY_KEY and len(named) == len(source.keywords):
                expressions = [v for k, v in named if k == key][-1:]
        elif isinstance(source, ast.DictComp):
            expressions, scope = [source.value], inner_scope
        elif isinstance(source, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            expressions, scope = [source.elt], inner_scope
        else:
            return UNKNOWN_VALUE
        return self._one_of_inferred((id(source), key), expressions, scope, depth)

    def _one_of_inferred(self, key: tuple[int, object], expressions: list[ast.expr],
                         scope: Scope, depth: int) -> Value:
        self._inferring.add(key)
        try:
            return one_of([self.infer(e, scope, depth + 1) for e in expressions[:_MAX_ELEMENTS]])
        finally:
            self._inferring.discard(key)

    def instance_attribute(self, definition: Definition, name: str, depth: int) -> Value:
        """What an instance of a class of this file holds in `name`: one of the values its
        methods (or class body) assign there; a placeholder `None` does not count."""
        key = id(definition)
        if key not in self._attributes:
            self._attributes[key] = stored_attributes(self.class_lineage(definition),
                                                      self.definition)
        if (key, name) in self._inferring:
            return UNKNOWN_VALUE
        self._inferring.add((key, name))
        try:
            values = [self.infer(expr, scope, depth + 1)
                      for expr, scope in self._attributes[key].get(name, ())[:_MAX_ELEMENTS]]
        finally:
            self._inferring.discard((key, name))
        return one_of([v for v in values if not (v.kind == "literal" and v.literal is None)])

    def _parameter_value(self, binding: Binding) -> Value:
        """`self` in a method is an instance of its class."""
        owner = binding.scope.definition
        if owner is None or owner.is_class or owner.is_lambda:
            return UNKNOWN_VALUE
        node = owner.node
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        positional = [*node.args.posonlyargs, *node.args.args]
        decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
        parent = owner.parent
        if (parent.kind == "class" and positional and positional[0] is binding.node
                and "staticmethod" not in decorators and "classmethod" not in decorators
                and parent.definition is not None):
            return Value("instance", of=Value("definition", definition=parent.definition))
        return UNKNOWN_VALUE

    def infer_attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Value:
        base = self.infer(node.value, scope, depth + 1)
        if base.kind == "api" and base.qualname:
            return api(apis.canonical(f"{base.qualname}.{node.attr}"), base.start_method)
        if base.kind == "context":
            factory = apis.CONTEXT_FACTORIES.get(node.attr)
            if factory:
                return api(factory, base.start_method)
            if node.attr == "get_context":
                return api(apis.GET_CONTEXT)
            return UNKNOWN_VALUE
        if base.kind == "namespace" and base.of is not None:
            return self.argparse_default(base.of, node.attr, depth + 1)
        if base.kind == "instance" and base.of is not None:
            if base.of.kind == "definition" and base.of.definition is not None:
                method = self.class_member(base.of.definition, node.attr, depth + 1)
                if method is not None and not method.is_class:
                    return Value("bound_method", of=base, attribute=node.attr,
                                 definition=method)
                if method is None and base.of.definition.is_class:
                    return self.instance_attribute(base.of.definition, node.attr, depth)
            if base.of.kind == "api":
                return Value("bound_method", of=base, attribute=node.attr)
        if base.kind == "definition" and base.definition is not None and base.definition.is_class:
            member = self.class_member(base.definition, node.attr, depth + 1)
            if member is not None:
                return Value("definition", definition=member)
        if base.kind == "mapping" and node.attr in ("values", "get"):
            return Value("bound_method", of=base, attribute=node.attr)
        return UNKNOWN_VALUE

    def infer_call(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        func = self.infer(node.func, scope, depth + 1)
        if func.kind == "api" and func.qualname:
            qualname = func.qualname
            if qualname == apis.GET_CONTEXT:
                method = node.args[0] if node.args else _keyword(node, "method")
                literal = method.value if isinstance(method, ast.Constant) else None
                return Value("context", start_method=literal if isinstance(literal, str) else None)
            if qualname == apis.TQDM:
                # A progress bar iterates what it wraps when it is iterated itself.
                wrapped = node.args[0] if node.args else _keyword(node, "iterable")
                return self.infer(wrapped, scope, depth + 1) if wrapped else UNKNOWN_VALUE
            if qualname == "builtins.dict" and node.keywords and not node.args:
                return Value("mapping", source=node, scope=scope)
            if qualname == apis.FUNCTOOLS_PARTIAL and node.args:
                return Value("partial", of=self.infer(node.args[0], scope, depth + 1), call=node,
                             scope=scope)
            made_elsewhere = None
            if qualname not in apis.KNOWN and self.project is not None and (
                    located := self.project.locate(qualname, self.path)):
                self.project_dependencies.add(located[0])
                factory = self.project.loader_factory(*located)
                if factory is not None:
                    return Value("instance", of=api(apis.DATALOADER), foreign=factory,
                                 start_method=factory.explicit_method)
                made_elsewhere = ForeignCall(*located)
            return Value("instance", of=func, call=node, scope=scope,
                         start_method=func.start_method, foreign=made_elsewhere)
        if func.kind == "bound_method" and func.of is not None:
            receiver = func.of
            if receiver.kind == "mapping":
                return self._mapping_method(receiver, func.attribute, node, depth)
            if receiver.is_instance_of(apis.ARGUMENT_PARSER) and func.attribute in (
                    "parse_args", "parse_known_args"):
                return Value("namespace", of=receiver)
            if receiver.is_instance_of(apis.ARGUMENT_PARSER) and func.attribute in (
                    "add_argument_group", "add_mutually_exclusive_group"):
                return receiver  # a group's arguments are the parser's
            if func.definition is not None:
                return self.returned_value(func.definition, depth)
            return UNKNOWN_VALUE
        if func.kind == "definition" and func.definition is not None:
            definition = func.definition
            if definition.is_class:
                return Value("instance", of=func, call=node, scope=scope)
            return self.returned_value(definition, depth)
        return UNKNOWN_VALUE

    def _mapping_method(self, mapping: Value, method: str | None, call: ast.Call,
                        depth: int) -> Value:
        if method == "values" and not call.args:
            return Value("sequence", of=self.element_value(mapping, depth=depth))
        if method == "get" and call.args:
            key = call.args[0]
            literal = key.value if isinstance(key, ast.Constant) else _ANY_KEY
            return self.element_value(mapping, literal, depth)
        return UNKNOWN_VALUE

    def returned_value(self, definition: Definition, depth: int) -> Value:
        """What a function of this file returns, when all its returns agree on a kind."""
        node = definition.node
        if isinstance(node, ast.Lambda):
            return self.infer(node.body, definition.scope, depth + 1)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return UNKNOWN_VALUE
        values = [
            self.infer(r.value, definition.scope, depth + 1)
            for r in _returns(node) if r.value is not None
        ]
        if values and all(v.kind == values[0].kind and v.of is not None and values[0].of
                          is not None and v.of.qualname == values[0].of.qualname for v in values):
            return values[0]
        return values[0] if len(values) == 1 else UNKNOWN_VALUE

    def class_member(self, definition: Definition, name: str,
                     depth: int = 0) -> Definition | None:
        """A method or nested class of a class of this file, looked up through its bases
        (`depth`: of the inference that asks)."""
        for cls in self.class_lineage(definition, depth):
            for binding in cls.scope.bindings.get(name, ()):
                if binding.kind in ("def", "class"):
                    member = self.definition(binding.node)
                    if member is not None:
                        return member
        return None

    def class_lineage(self, definition: Definition, depth: int = 0) -> list[Definition]:
        """The class and its bases that are classes of this file (depth-first, no repeats).

        Asked from within an inference (`depth` > 0), the bases are inferred within what is
        left of its depth, so that a chain of classes whose bases are members of the previous
        one (`class B(A.Inner)`) does not recurse once per class; such a lineage is not kept."""
        key = ("lineage", id(definition))
        lineage = self._lineages.get(key)
        if lineage is None:
            lineage = self._class_lineage(definition, depth)
            if depth == 0:
                self._lineages[key] = lineage
        return lineage

    def _class_lineage(self, definition: Definition, depth: int) -> list[Definition]:
        seen: list[Definition] = []
        pending = [definition]
        while pending:
            current = pending.pop(0)
            if current in seen or not current.is_class:
                continue
            seen.append(current)
            node = current.node
            assert isinstance(node, ast.ClassDef)
            for base in node.bases:
                value = self.infer(base, current.parent, depth + 1 if depth else 0)
                if value.kind == "definition" and value.definition is not None:
                    pending.append(value.definition)
        return seen

    def base_qualnames(self, definition: Definition) -> set[str]:
        """Qualified names of the known APIs a class of this file derives from."""
        names: set[str] = set()
        for cls in self.class_lineage(definition):
            node = cls.node
            assert isinstance(node, ast.ClassDef)
            for base in node.bases:
                value = self.infer(base, cls.parent)
                if value.kind == "api" and value.qualname:
                    names.add(value.qualname)
        return names

    # --- argparse ------------------------------------------------------------------------------

    @cached_property
    def _add_argument_calls(self) -> list[Located]:
        return [c for c in self.index.calls_named({"add_argument"})
                if isinstance(c.node.func, ast.Attribute)]  # type: ignore[attr-defined]

    def argparse_default(self, parser: Value, dest: str, depth: int = 0) -> Value:
        """The default of `dest` on `parser` (`depth`: of the inference that asks)."""
        site = self.argparse_default_site(parser, dest, depth)
        if site is None:
            return UNKNOWN_VALUE
        default, scope = site
        if default is None:
            return Value("literal", literal=None)
        return self.infer(default, scope, depth)

    def argparse_default_site(self, parser: Value, dest: str,
                              depth: int = 0) -> tuple[ast.expr | None, Scope] | None:
        """The `default=` expression of the parser's option `dest` (None: the option has
        none) and where it is evaluated; None when the option is not found."""
        for located in self._add_argument_calls:
            call = located.node
            assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            receiver = self.infer(call.func.value, located.scope, depth)
            if receiver.call is None or receiver.call is not parser.call:
                continue
            if _argparse_dest(call) != dest:
                continue
            return _keyword(call, "default"), located.scope
        return None

    # --- helpers -------------------------------------------------------------------------------

    def _scope_of_comprehension(self, node: ast.AST) -> Scope | None:
        return self.index.scope_of_node.get(id(node))

    def qualname_of(self, node: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        value = self.infer(node, scope, depth)
        return value.qualname if value.kind == "api" else None


def _pick_binding(bindings: list[Binding], at: ast.AST | None) -> Binding:
    """The last binding before `at` in source order, else the last one."""
    if at is None or len(bindings) == 1:
        return bindings[-1]
    position = (getattr(at, "lineno", 0), getattr(at, "col_offset", 0))
    before = [b for b in bindings if b.position < position]
    return before[-1] if before else bindings[-1]


def _target_path(target: ast.expr, name: str) -> list[tuple[int, int]] | None:
    """Where `name` sits in a tuple/list loop target: (position, width) at each level, from
    the outside in (the last place it is bound wins); None if it is not inside a tuple or
    sits under a starred element."""
    found: list[tuple[int, int]] | None = None
    pending: list[tuple[ast.expr, list[tuple[int, int]]]] = [(target, [])]
    while pending:
        node, path = pending.pop()
        if isinstance(node, ast.Name) and node.id == name and path:
            found = path if found is None or _later(path, found) else found
        elif isinstance(node, ast.Tuple | ast.List) and not any(
                isinstance(e, ast.Starred) for e in node.elts):
            width = len(node.elts)
            pending.extend((element, [*path, (position, width)])
                           for position, element in enumerate(node.elts))
    return found


def _later(path: list[tuple[int, int]], other: list[tuple[int, int]]) -> bool:
    return [p for p, _ in path] > [p for p, _ in other]


def _loop_scope(binding: Binding) -> Scope:
    # A comprehension's first iterable is evaluated in the enclosing scope.
    if binding.scope.kind == "comprehension" and binding.scope.parent is not None:
        generators = getattr(binding.scope.node, "generators", [])
        if generators and generators[0] is binding.node:
            return binding.scope.parent
    return binding.scope


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _argparse_dest(call: ast.Call) -> str | None:
    dest = _keyword(call, "dest")
    if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
        return dest.value
    options = [a.value for a in call.args if isinstance(a, ast.Constant)
               and isinstance(a.value, str)]
    long_options = [o for o in options if o.startswith("--")]
    chosen = long_options[0] if long_options else (options[0] if options else None)
    if chosen is None:
        return None
    return chosen.lstrip("-").replace("-", "_")


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    return [n for n in own_nodes(*node.body) if isinstance(n, ast.Return)]
