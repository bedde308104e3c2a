"""SPG201: give workers something pickle can find by name, by lifting a lambda, a nested
function or a local class to module level.

Pickle sends functions and classes by reference (module + qualified name), so whatever goes to
a worker must be reachable as a module attribute. What the lifted code read from its enclosing
function becomes keyword-only parameters bound with `functools.partial`. Where that would change
behaviour (the local is bound again later, a nested class reads locals, a name collides) there
is no fix.
"""

from __future__ import annotations

import ast
import re

from spawnguard.analysis.findings import Fix, Position, Range, TextEdit
from spawnguard.analysis.source import SourceText
from spawnguard.fixes.apply import apply_edits
from spawnguard.fixes.imports import stdlib_import_insertion
from spawnguard.fixes.names import (
    BUILTIN_NAMES,
    COMPREHENSIONS,
    FUNCTIONS,
    LOOPS,
    Definition,
    bound_names,
    definition_reads,
    definition_time_reads,
    enclosing_locals,
    enclosing_scopes,
    free_names,
    index_in,
    local_names,
    module_facts,
    parameter_names,
    scope_body,
    scope_facts,
    top_level_statement,
    uses_class_cell,
)
from spawnguard.fixes.statements import (
    EditBuilder,
    LineSpan,
    blank_lines_above,
    can_insert_before,
    first_line,
    indentation,
    reindent,
    statement_span,
    unique_name,
)
from spawnguard.fixes.text import indent_unit, string_continuation_lines


def lift_lambda(
    source: SourceText,
    tree: ast.Module,
    lam: ast.Lambda,
    name_hint: str,
    local_names: frozenset[str],
) -> Fix | None:
    """Replace a lambda with a named module-level function inserted before the top-level
    statement that contains it; locals it reads become keyword-only parameters bound with
    `functools.partial`. `name_hint` (e.g. "collate_fn") names the function; `local_names` are
    the names the caller knows to be local (also those bound only inside the main guard)."""
    unit = indent_unit(source, tree)  # first: it reads the text facts from the tree
    top = top_level_statement(tree, lam)
    if top is None or uses_class_cell(lam):
        return None
    if not can_insert_before(source, first_line(source, top)):
        return None
    locals_here = set(local_names) | enclosing_locals(tree, lam)
    captured = _in_source_order(lam.body, free_names(lam) & locals_here)
    if not _safe_to_evaluate_earlier(tree, lam, top, locals_here):
        return None
    if any(_unsafe_to_bind_early(tree, lam, name) for name in captured):
        return None
    name = unique_name(name_hint, module_facts(tree).identifiers | BUILTIN_NAMES)
    body = source.slice(source.node_range(lam.body))
    if "\n" in body or "\r" in body:
        body = f"({body})"  # it was inside brackets; a `return` line needs its own
    nl = source.newline
    function = (f"def {name}({_lambda_parameters(source, lam.args, captured)}):{nl}"
                f"{unit}return {body}{nl}")
    if not _parses(function):
        return None
    builder = EditBuilder(source)
    replacement = _partial_call(builder, tree, top, name, captured) if captured else name
    _insert_top_level(builder, top, function)
    builder.replace(source.node_range(lam), replacement)
    return builder.fix(f"Replace the lambda with def {name}()", preferred=True)


def lift_nested(
    source: SourceText, tree: ast.Module, definition: Definition, local_names: frozenset[str]
) -> Fix | None:
    """Move a function or class defined inside a function to module level, before the
    enclosing top-level statement, dedented to column 0.

    A function that reads locals of its enclosing function is lifted under a new name with
    them as keyword-only parameters, and its old place binds the old name to
    `functools.partial(lifted, local=local)`. A class that reads locals has no fix.
    """
    string_continuation_lines(source, tree)  # reads the text facts from the tree, once
    top = top_level_statement(tree, definition)
    scopes = enclosing_scopes(tree, definition)
    if top is None or top is definition or not scopes or not isinstance(scopes[0], FUNCTIONS):
        return None
    if not can_insert_before(source, first_line(source, top)):
        return None
    if uses_class_cell(definition) or getattr(definition, "type_params", None):
        return None
    if not _only_binding_of_its_name(definition, scopes):
        return None
    span = statement_span(source, definition)
    locals_here = set(local_names) | enclosing_locals(tree, definition)
    if span is None or not _safe_to_evaluate_earlier(tree, definition, top, locals_here):
        return None
    captured = _in_source_order(
        definition, definition_reads(definition) & locals_here - {definition.name}
    )
    prefix = indentation(source, definition.lineno)
    builder = EditBuilder(source)
    nl = source.newline
    if not captured:
        if definition.name in bound_names(tree.body) | BUILTIN_NAMES:
            return None
        lifted = reindent(source, span, prefix, "")
        if _is_only_statement_of_its_block(tree, definition):
            builder.replace_lines(span.first, span.last, prefix + "pass" + nl)
        else:
            builder.delete_statement(span)
    else:
        lifted_name = unique_name(f"_{definition.name}",
                                  module_facts(tree).identifiers | BUILTIN_NAMES)
        lifted_text = _lifted_with_parameters(source, definition, span, prefix, lifted_name,
                                              captured)
        if lifted_text is None or any(
            _unsafe_to_bind_early(tree, definition, name) for name in captured
        ):
            return None
        lifted = lifted_text
        call = _partial_call(builder, tree, top, lifted_name, captured)
        builder.replace_lines(span.first, span.last, f"{prefix}{definition.name} = {call}{nl}")
    _insert_top_level(builder, top, lifted)
    return builder.fix(f"Move {definition.name} to module level", preferred=True)


# --- can the code move? -------------------------------------------------------------------------


def _safe_to_evaluate_earlier(
    tree: ast.Module, node: ast.AST, top: ast.stmt, locals_here: set[str]
) -> bool:
    """Decorators, defaults and base classes now run at module level just before `top`: what
    they read must be a builtin or a module name bound before `top`, and not a local."""
    reads = definition_time_reads(node)
    index = index_in(tree.body, top) or 0
    known = bound_names(tree.body[:index]) | BUILTIN_NAMES
    return not reads & locals_here and reads <= known


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    end = (getattr(outer, "end_lineno", 0), getattr(outer, "end_col_offset", 0))
    return _position(outer) <= _position(inner) <= end


def _unsafe_to_bind_early(tree: ast.Module, node: ast.AST, name: str) -> bool:
    """True when binding the local `name` once, where `node` is, may differ from the closure:
    it is bound again after `node`, in the statement that holds `node`, or in a loop around
    `node` (a closure reads the variable when called; partial reads it once); or it holds a
    function or class of its own, which a worker could not unpickle either."""
    owner: ast.AST | None = None
    for scope in enclosing_scopes(tree, node):
        if not isinstance(scope, ast.ClassDef) and name in local_names(scope):
            owner = scope
            break
    if isinstance(owner, COMPREHENSIONS):
        return True
    body = scope_body(owner) if owner is not None else tree.body
    chain = _ancestors_until(tree, node, owner)
    around = [parent for parent in chain if isinstance(parent, LOOPS)]
    holder = next((parent for parent in chain if isinstance(parent, ast.stmt)), None)
    if holder is not None and not isinstance(node, ast.stmt):
        # The statement holding a lambda may bind the name after evaluating the lambda.
        around.append(holder)
    parents = module_facts(tree).parents
    node_start = _position(node)
    for bound, site in scope_facts(body).bindings:
        if bound != name or site is node:
            continue
        if isinstance(site, (*FUNCTIONS, ast.ClassDef)) or isinstance(
            getattr(parents.get(site), "value", None), ast.Lambda
        ):
            return True
        if _position(site) > node_start or any(_contains(outer, site) for outer in around):
            return True
    return False


def _ancestors_until(tree: ast.Module, node: ast.AST, stop: ast.AST | None) -> list[ast.AST]:
    parents = module_facts(tree).parents
    chain = []
    while node in parents and parents[node] is not stop:
        node = parents[node]
        chain.append(node)
    return chain


def _only_binding_of_its_name(definition: Definition, scopes: list[ast.AST]) -> bool:
    """The def is the enclosing function's only binding of its name (else removing it would
    leave the name local there), and no outer function has a local of that name."""
    enclosing = scopes[0]
    sites = [site for bound, site in scope_facts(scope_body(enclosing)).bindings
             if bound == definition.name]
    if sites != [definition] or definition.name in parameter_names(enclosing.args):
        return False
    return not any(
        definition.name in local_names(scope)
        for scope in scopes[1:]
        if not isinstance(scope, ast.ClassDef)
    )


def _is_only_statement_of_its_block(tree: ast.Module, statement: ast.stmt) -> bool:
    parent = module_facts(tree).parents.get(statement)
    for _, value in ast.iter_fields(parent) if parent is not None else ():
        if isinstance(value, list) and index_in(value, statement) is not None:
            return len(value) == 1
    return False


# --- writing the lifted code --------------------------------------------------------------------


def _in_source_order(node: ast.AST, names: set[str]) -> list[str]:
    """`names` in the order they are first read inside `node`."""
    uses = sorted(
        (_position(n), n.id) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names
    )
    ordered = list(dict.fromkeys(name for _, name in uses))
    return ordered + sorted(names - set(ordered))


def _parameter_text(source: SourceText, arg: ast.arg, default: ast.expr | None) -> str:
    text = source.slice(source.node_range(arg))
    if default is None:
        return text
    separator = " = " if arg.annotation is not None else "="
    return text + separator + source.slice(source.node_range(default))


def _lambda_parameters(source: SourceText, args: ast.arguments, extra: list[str]) -> str:
    """The lambda's parameters as a `def` parameter list, with `extra` keyword-only ones."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    pieces = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        pieces.append(_parameter_text(source, arg, default))
        if index == len(args.posonlyargs) - 1:
            pieces.append("/")
    if args.vararg is not None:
        pieces.append("*" + _parameter_text(source, args.vararg, None))
    elif args.kwonlyargs or extra:
        pieces.append("*")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        pieces.append(_parameter_text(source, arg, default))
    pieces += extra
    if args.kwarg is not None:
        pieces.append("**" + _parameter_text(source, args.kwarg, None))
    return ", ".join(pieces)


def _keyword_only_insertion(
    source: SourceText, args: ast.arguments, open_paren: Position, extra: list[str]
) -> TextEdit | None:
    """An edit adding `extra` keyword-only parameters to a def's parameter list as written."""
    names = ", ".join(extra)
    star = "" if args.vararg is not None or args.kwonlyargs else "*, "
    if args.kwarg is not None:
        start = source.node_range(args.kwarg).start
        before = source.line(start.line)[: start.character].rstrip()
        if not before.endswith("**"):
            return None
        at = Position(start.line, len(before) - 2)
        return TextEdit(Range(at, at), f"{star}{names}, ")
    elements: list[ast.AST] = [*args.posonlyargs, *args.args, *args.kwonlyargs, *args.defaults]
    elements += [d for d in args.kw_defaults if d is not None]
    if args.vararg is not None:
        elements.append(args.vararg)
    if not elements:
        return TextEdit(Range(open_paren, open_paren), star + names)
    end = max(source.node_range(element).end for element in elements)
    if args.posonlyargs and not (args.args or args.vararg or args.kwonlyargs):
        slash = re.match(r"[\s,\\]*/", source.text[source.offset(end) :])
        if slash is None:
            return None
        end = source.position_at(source.offset(end) + slash.end())
    return TextEdit(Range(end, end), f", {star}{names}")


def _lifted_with_parameters(
    source: SourceText,
    definition: Definition,
    span: LineSpan,
    prefix: str,
    new_name: str,
    extra: list[str],
) -> str | None:
    """The def's text at column 0, renamed, with `extra` keyword-only parameters."""
    if isinstance(definition, ast.ClassDef) or definition.decorator_list:
        return None
    if scope_facts(scope_body(definition)).declared_nonlocal or definition.name in free_names(
        definition
    ):
        return None  # it writes a local back, or calls itself by the name partial now holds
    line = definition.lineno
    header = re.compile(r"(?:async\s+)?def\s+(" + re.escape(definition.name) + r")\s*\(")
    match = header.match(source.line(line), source.byte_col_to_char(line, definition.col_offset))
    if match is None:
        return None
    parameters = _keyword_only_insertion(source, definition.args, Position(line, match.end()),
                                         extra)
    if parameters is None:
        return None
    rename = TextEdit(Range.of(line, match.start(1), line, match.end(1)), new_name)
    # Both edits stay on the header's lines, so line numbers (and the span) do not move.
    edited = SourceText(apply_edits(source.text, [rename, parameters]))
    text = reindent(edited, span, prefix, "")
    return text if _parses(text) else None


def _insert_top_level(builder: EditBuilder, top: ast.stmt, definition: str) -> None:
    """Insert a definition before `top` with two blank lines around it (also when an import
    was just inserted at the same place)."""
    source, nl = builder.source, builder.source.newline
    at = first_line(source, top)
    import_here = builder.inserts_at(at)
    padding = nl * 2 if import_here else blank_lines_above(source, at, 2)
    builder.insert_lines(at, padding + definition + nl + nl)


def _partial_call(
    builder: EditBuilder, tree: ast.Module, top: ast.stmt, function: str, captured: list[str]
) -> str:
    """`functools.partial(function, a=a, …)`, spelled with the module's own import of
    functools if it has one before `top`, else adding `import functools`."""
    arguments = ", ".join(f"{name}={name}" for name in captured)
    top_index = index_in(tree.body, top) or 0
    for statement in tree.body[:top_index]:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == "functools":
                    return f"{alias.asname or 'functools'}.partial({function}, {arguments})"
        elif isinstance(statement, ast.ImportFrom) and statement.module == "functools":
            for alias in statement.names:
                if alias.name == "partial":
                    return f"{alias.asname or 'partial'}({function}, {arguments})"
    if "functools" in module_facts(tree).identifiers:
        # `functools` means something else here (or is imported too late); import it anew
        # only when that cannot clash.
        alias = unique_name("_functools", module_facts(tree).identifiers)
        import_line = f"import functools as {alias}"
    else:
        alias, import_line = "functools", "import functools"
    insertion = stdlib_import_insertion(builder.source, tree, import_line, "functools",
                                        code_line=first_line(builder.source, top))
    builder.insert_lines(insertion.line, insertion.text)
    return f"{alias}.partial({function}, {arguments})"


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
