"""SPG401 fixes: give notebook-defined worker code an importable home.

A spawned worker cannot import a notebook's `__main__`, so what it needs must live in a real
module. `move_to_module` cuts the definitions (and what they need: other definitions of the
notebook, imports, constants) into a new `.py` file beside the notebook and imports them back
where the first one stood. `no_workers` sets `num_workers=0` instead.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
from collections.abc import Sequence

from spawnguard.analysis.findings import Fix, NewFile, Position, Range, TextEdit
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.scopes import Definition, names_loaded_in
from spawnguard.analysis.toplevel import is_cheap
from spawnguard.analysis.workers import argument


def module_name_for(path: str | None) -> str:
    stem = os.path.splitext(os.path.basename(path))[0] if path else "notebook"
    name = re.sub(r"\W+", "_", stem).strip("_").lower() or "notebook"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "nb_" + name
    return f"{name}_workers"


def _statement_range(model: ModuleModel, statement: ast.stmt) -> Range:
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
    last = statement.end_lineno or statement.lineno
    return Range(Position(first, 0), Position(last, len(model.source.line(last))))


def _definition_time_loads(node: ast.AST) -> list[str]:
    parts: list[ast.AST] = list(getattr(node, "decorator_list", []))
    if isinstance(node, ast.ClassDef):
        parts += [*node.bases, *(k.value for k in node.keywords)]
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        parts += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    return [n.id for part in parts for n in ast.walk(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def move_to_module(model: ModuleModel, definitions: Sequence[Definition]) -> Fix | None:
    """Move `definitions` (module-level functions and classes of the notebook) to a module."""
    module = module_name_for(model.path)
    if model.module_scope.bindings.get(module):
        return None
    moved: list[ast.stmt] = []
    copied: list[ast.stmt] = []
    pending = list(definitions)
    while pending:
        definition = pending.pop()
        node = definition.node
        if definition.placement != "module" or definition.top_statement is not node:
            return None  # only whole top-level def/class statements move
        if node in moved:
            continue
        moved.append(node)  # type: ignore[arg-type]
        loads = [(n.id, n, s) for n, s in names_loaded_in(model.index, definition)]
        loads += [(name, node, definition.parent) for name in _definition_time_loads(node)]
        for name, at, scope in loads:
            binding = model.resolve(name, scope, at)
            if binding is None or binding.scope is not model.module_scope:
                continue
            statement = _top_statement_of(model, binding.node)
            if statement is None:
                return None
            if binding.kind in ("def", "class"):
                inner = model.definition(binding.node)
                if inner is None:
                    return None
                pending.append(inner)
            elif binding.kind == "import" or (binding.kind == "assign"
                                              and is_cheap(model, binding.value)):
                if statement not in copied:
                    copied.append(statement)
            else:
                return None  # it reads state the notebook computes: cannot move safely
    moved.sort(key=lambda s: s.lineno)
    copied.sort(key=lambda s: s.lineno)
    source = model.source
    header = [source.slice(model.range(s)) for s in copied
              if isinstance(s, ast.Import | ast.ImportFrom)]
    constants = [source.slice(model.range(s)) for s in copied
                 if not isinstance(s, ast.Import | ast.ImportFrom)]
    bodies = [source.slice(_statement_range(model, s)) for s in moved]
    text = "\n".join(header) + ("\n\n" if header else "")
    text += "\n".join(constants) + ("\n\n\n" if constants else "\n" if header else "")
    text += "\n\n\n".join(bodies) + "\n"
    names = ", ".join(s.name for s in moved)  # type: ignore[attr-defined]
    edits = [TextEdit(_statement_range(model, moved[0]), f"from {module} import {names}")]
    edits += [TextEdit(_statement_range(model, s), "") for s in moved[1:]]
    return Fix(f"Move {names} to a new module {module}.py and import it", tuple(edits),
               preferred=True, new_files=(NewFile(f"{module}.py", text),))


def _top_statement_of(model: ModuleModel, node: ast.AST) -> ast.stmt | None:
    for statement in model.tree.body:
        if statement is node:
            return statement
        start, end = statement.lineno, statement.end_lineno or statement.lineno
        if start <= getattr(node, "lineno", -1) <= end:
            return statement
    return None


def no_workers(model: ModuleModel, creation: ast.Call) -> Fix:
    """Run the DataLoader in the main process: `num_workers=0`."""
    current = argument(creation, "num_workers", 5)
    if current is not None:
        edit = TextEdit(model.range(current), "0")
    else:
        closing = model.range(creation).end
        before = Position(closing.line, closing.character - 1)
        separator = ", " if creation.args or creation.keywords else ""
        edit = TextEdit(Range(before, before), f"{separator}num_workers=0")
    return Fix("Set num_workers=0 (load data in the notebook's process)", (edit,))
