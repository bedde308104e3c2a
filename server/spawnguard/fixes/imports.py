"""Where a fix's new standard-library import goes: among the file's own standard-library
imports, in the order isort and ruff's `I` rules keep them, so a fixed file stays sorted.

Within a section those tools put `import x` statements first, ordered by module name (case
aside), then `from x import y` statements. Sections: `__future__`, the standard library, then
everything else (third-party, first-party, relative), with a blank line between sections.
Only the imports at the top of the module count (before its first other statement).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from spawnguard.analysis.source import SourceText
from spawnguard.fixes.statements import first_line, import_insertion_line, is_blank

Import = ast.Import | ast.ImportFrom


@dataclass(frozen=True)
class ImportInsertion:
    line: int  # insert before this 1-based line
    text: str  # whole lines, ending with a line break


def stdlib_import_insertion(
    source: SourceText, tree: ast.Module, statement: str, module: str, code_line: int
) -> ImportInsertion:
    """Where and how to insert `statement` (e.g. `import functools`), an import of the
    standard-library `module`. `code_line` is where the fix inserts code of its own (that
    brings its own blank lines, so none is added before it)."""
    nl = source.newline
    leading = leading_imports(tree)
    stdlib = [s for s in leading if is_stdlib(s)]
    if stdlib:
        new_key = (0, module.lower())
        later = next((s for s in stdlib if sort_key(s) > new_key), None)
        if later is not None:
            return ImportInsertion(first_line(source, later), statement + nl)
        at = _line_after(stdlib[-1])
    else:
        others = [s for s in leading if not is_future(s)]
        if others:  # a section of its own, before the third-party one
            return ImportInsertion(first_line(source, others[0]), statement + nl + nl)
        at = import_insertion_line(tree)
        if leading:  # only `__future__` imports: a blank line between the two sections
            statement = nl + statement
    import_lines = {s.lineno for s in leading}
    # Code right below a new import gets a blank line (the fix's own code brings its own).
    needs_gap = not is_blank(source, at) and at not in import_lines and at != code_line
    return ImportInsertion(at, statement + nl + (nl if needs_gap else ""))


def leading_imports(tree: ast.Module) -> list[Import]:
    """The import statements at the top of the module, after its docstring."""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    imports: list[Import] = []
    for statement in body:
        if not isinstance(statement, (ast.Import, ast.ImportFrom)):
            break
        imports.append(statement)
    return imports


def is_future(statement: Import) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


def is_stdlib(statement: Import) -> bool:
    if is_future(statement):
        return False
    if isinstance(statement, ast.ImportFrom):
        if statement.level or statement.module is None:
            return False  # relative: the project's own
        names = [statement.module]
    else:
        names = [alias.name for alias in statement.names]
    return all(name.partition(".")[0] in sys.stdlib_module_names for name in names)


def sort_key(statement: Import) -> tuple[int, str]:
    if isinstance(statement, ast.ImportFrom):
        return (1, (statement.module or "").lower())
    return (0, statement.names[0].name.lower())


def _line_after(statement: ast.stmt) -> int:
    return (statement.end_lineno or statement.lineno) + 1
