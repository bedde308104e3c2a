"""Which modules a file imports, read from its text without parsing it.

The project index reads every module of a project this way (a parse costs far more): it is
lossless for import statements however they are spelled — brackets over lines, backslashes,
comments, `;`, aliases — and may list a few extra candidates (an import in a string), which
only costs a lookup.
"""

from __future__ import annotations

import re

_IMPORT = re.compile(r"[ \t\f]*import[ \t\f]+(.+)", re.DOTALL)
_AS = re.compile(r"\s+as\s+")
_FROM_IMPORT = re.compile(
    r"[ \t\f]*from[ \t\f]+(\.*[\w.]*)[ \t\f]+import[ \t\f]*(.*)", re.DOTALL)


def modules_of(base: str, names: list[str]) -> list[str]:
    """`from base import names` may load `base` and each `base.name`; `from . import x` loads
    only `.x` (the package itself is imported already)."""
    joiner = "" if base.endswith(".") else "."
    return ([base] if base.strip(".") else []) + [f"{base}{joiner}{name}" for name in names]


def imports_in_text(text: str) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for each import statement in the text: `import a.b`
    gives ("a.b", []), `from . import data` gives (".", ["data"]).

    Only the lines that contain `import` are looked at (a whole-file regex is slower).
    """
    found: list[tuple[str, list[str]]] = []
    seen: set[int] = set()
    position = text.find("import")
    while position >= 0:
        line_start = text.rfind("\n", 0, position) + 1
        if line_start not in seen:
            seen.add(line_start)
            for statement in _statement_at(text, line_start).split(";"):
                found += _imports_of_statement(statement)
        position = text.find("import", position + 6)
    return found


def _statement_at(text: str, start: int) -> str:
    """The logical line starting at `start`, comments dropped: through backslash continuations
    and an open parenthesis."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = _code_of(text[start:end])
    while line.rstrip().endswith("\\") and end < len(text):
        next_end = text.find("\n", end + 1)
        next_end = len(text) if next_end < 0 else next_end
        line = line.rstrip()[:-1] + " " + _code_of(text[end + 1 : next_end])
        end = next_end
    if "(" in line and ")" not in line:
        # A bracketed import list: line by line (a comment may hold a parenthesis).
        while end < len(text):
            next_end = text.find("\n", end + 1)
            next_end = len(text) if next_end < 0 else next_end
            code = _code_of(text[end + 1 : next_end])
            line += " " + code
            end = next_end
            if ")" in code:
                break
    return line


def _code_of(line: str) -> str:
    return line.split("#", 1)[0]


def _imports_of_statement(statement: str) -> list[tuple[str, list[str]]]:
    match = _FROM_IMPORT.match(statement)
    if match:
        base = match.group(1)
        if not base:
            return []
        names = [name for part in match.group(2).strip().strip("()").split(",")
                 if (name := _AS.split(part)[0].strip()).isidentifier()]
        return [(base, names)]
    match = _IMPORT.match(statement)
    if match:
        return [(name, []) for part in match.group(1).split(",")
                if (name := _AS.split(part)[0].strip())
                and all(p.isidentifier() for p in name.split("."))]
    return []
