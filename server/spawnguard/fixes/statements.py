"""Statements as whole lines: where they start and end, moving and re-indenting them.

Fixes move whole lines only. A statement qualifies when nothing else shares its lines, or
when it moves together with everything that does (`a = 1; b()`); its lines include its
decorators and the comment lines directly above it.
Re-indenting never touches a line that starts inside a multi-line string.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field

from spawnguard.analysis.findings import Fix, Range, TextEdit
from spawnguard.analysis.source import SourceText
from spawnguard.fixes.apply import OverlappingEditsError
from spawnguard.fixes.text import string_continuation_lines

GUARD_HEADER = 'if __name__ == "__main__":'
_CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")
# What may follow a statement on its last line: an optional `;` and a comment.
_STATEMENT_TAIL = re.compile(r"\s*;?\s*(#.*)?")


@dataclass(frozen=True)
class LineSpan:
    first: int  # 1-based, inclusive
    last: int  # inclusive


def indentation(source: SourceText, line: int) -> str:
    text = source.line(line)
    return text[: len(text) - len(text.lstrip(" \t\f"))]


def is_blank(source: SourceText, line: int) -> bool:
    return not source.line(line).strip()


def _is_file_header_comment(source: SourceText, line: int) -> bool:
    """A shebang or encoding line: it must stay where it is."""
    text = source.line(line)
    return (line == 1 and text.startswith("#!")) or (
        line <= 2 and _CODING_COOKIE.match(text) is not None
    )


def code_start_line(stmt: ast.stmt) -> int:
    """The first line of a statement's code: its first decorator for a decorated definition."""
    decorators = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def first_line(source: SourceText, stmt: ast.stmt) -> int:
    """The first line of a statement with the comment lines directly above it (same indent)."""
    line = code_start_line(stmt)
    indent = indentation(source, line)
    continuation = string_continuation_lines(source)
    while line > 1:
        above = line - 1
        text = source.line(above)
        if (
            above in continuation
            or not text.lstrip().startswith("#")
            or indentation(source, above) != indent
            or _is_file_header_comment(source, above)
        ):
            break
        line = above
    return line


def statement_span(
    source: SourceText, stmt: ast.stmt, *, start: bool = True, end: bool = True
) -> LineSpan | None:
    """The whole lines a statement occupies (with decorators and attached comments), or None
    when it shares a line with other code or continues a backslash-continued line.

    `start=False` / `end=False` skip the check at that end: for the first and last of
    statements that share lines (`a(); b()`) and move together.
    """
    start_line = code_start_line(stmt)
    start_text = source.line(start_line)
    if not start:
        pass
    elif stmt.lineno == start_line:
        start_char = source.byte_col_to_char(start_line, stmt.col_offset)
        if start_text[:start_char].strip():
            return None
    elif not start_text.lstrip().startswith("@"):
        return None
    end_line = stmt.end_lineno or stmt.lineno
    end_char = source.byte_col_to_char(end_line, stmt.end_col_offset or 0)
    if end and not _STATEMENT_TAIL.fullmatch(source.line(end_line)[end_char:]):
        return None
    if start and start_line > 1 and source.line(start_line - 1).rstrip().endswith("\\"):
        return None
    return LineSpan(first_line(source, stmt), end_line)


def can_insert_before(source: SourceText, line: int) -> bool:
    """True when new lines may go before `line`: it does not continue a string or a
    backslash-continued line."""
    if line in string_continuation_lines(source):
        return False
    return line <= 1 or not source.line(line - 1).rstrip().endswith("\\")


def line_offset(source: SourceText, line: int) -> int:
    """Offset of the start of `line`; the end of the text past the last line."""
    if line > source.line_count:
        return len(source.text)
    return source.line_starts[line - 1]


def _ends_with_break(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _after_form_feed(text: str) -> str:
    """A line without the part of its indentation up to a form feed: Python restarts counting
    columns after one, so behind a new prefix it would undo the prefix."""
    body = text.lstrip(" \t\f")
    leading = text[: len(text) - len(body)]
    return text[leading.rindex("\f") + 1 :] if "\f" in leading else text


def reindent(source: SourceText, span: LineSpan, old_prefix: str, new_prefix: str) -> str:
    """The span's lines with `old_prefix` replaced by `new_prefix` at their start.

    Lines inside multi-line strings keep their text; blank lines stay as they are; a line
    indented less than `old_prefix` (a comment, a line inside brackets) loses what it has of it.
    The result always ends with a line break.
    """
    continuation = string_continuation_lines(source)
    pieces = []
    for line in range(span.first, span.last + 1):
        text = source.text[line_offset(source, line) : line_offset(source, line + 1)]
        if line not in continuation and text.strip():
            common = 0
            while common < len(old_prefix) and text[common : common + 1] == old_prefix[common]:
                common += 1
            text = new_prefix + _after_form_feed(text[common:])
        pieces.append(text)
    result = "".join(pieces)
    return result if _ends_with_break(result) else result + source.newline


def blank_lines_above(source: SourceText, before_line: int, wanted: int) -> str:
    """The line breaks to insert before `before_line` so that `wanted` blank lines separate a
    new block from the code above it (none at the top of the file)."""
    present = 0
    line = before_line - 1
    while line >= 1 and is_blank(source, line):
        present += 1
        line -= 1
    if line < 1:
        return ""
    return source.newline * max(0, wanted - present)


def blank_lines_between(*statements: ast.stmt) -> int:
    """PEP 8: two blank lines around top-level definitions, one around anything else."""
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return 2 if any(isinstance(s, definitions) for s in statements) else 1


def import_insertion_line(tree: ast.Module) -> int:
    """Where a new import goes: after the leading docstring, `__future__` and other imports."""
    line = None
    for index, statement in enumerate(tree.body):
        is_docstring = (
            index == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        if is_docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
            line = (statement.end_lineno or statement.lineno) + 1
            continue
        return line if line is not None else code_start_line(statement)
    return line if line is not None else 1


def unique_name(hint: str, taken: frozenset[str] | set[str]) -> str:
    """A valid identifier made from `hint` that is none of `taken`: `name`, `name_2`, …"""
    base = re.sub(r"\W", "_", hint.strip()) or "worker_fn"
    if base[0].isdigit():
        base = "_" + base
    if keyword.iskeyword(base):
        base += "_"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    return candidate


@dataclass
class EditBuilder:
    """Collects line-based edits and hands them out as non-overlapping `TextEdit`s.

    Edits that touch (a deletion ending where an insertion starts) are merged into one, so no
    client has to guess the order of two edits at the same position.
    """

    source: SourceText
    _spans: list[tuple[int, int, int, str]] = field(default_factory=list)

    def _add(self, start: int, end: int, text: str) -> None:
        self._spans.append((start, end, len(self._spans), text))

    def replace_lines(self, first: int, last: int, text: str) -> None:
        self._add(line_offset(self.source, first), line_offset(self.source, last + 1), text)

    def delete_lines(self, first: int, last: int) -> None:
        self.replace_lines(first, last, "")

    def delete_statement(self, span: LineSpan) -> None:
        """Delete a statement's lines, and with them one of the two runs of blank lines that
        would otherwise meet (the smaller one), or all of them at the top of a file or block
        and at the end of the file."""
        source = self.source
        above = 0
        while span.first - above > 1 and is_blank(source, span.first - above - 1):
            above += 1
        below = 0
        while span.last + below < source.line_count and is_blank(source, span.last + below + 1):
            below += 1
        opener = source.line(span.first - above - 1).split("#")[0].rstrip().endswith(":")
        first, last = span.first, span.last
        if span.first - above == 1 or opener:
            first, last = first - above, last + below  # a file or block starts with code
        elif span.last + below == source.line_count:
            first, last = first - above, last + below
        elif above and below:
            if above <= below:
                first -= above
            else:
                last += below
        self.delete_lines(first, last)

    def insert_lines(self, before_line: int, text: str) -> None:
        """Insert whole lines (`text` ends with a line break) before `before_line`."""
        offset = line_offset(self.source, before_line)
        if offset == len(self.source.text) and self.source.text and not _ends_with_break(
            self.source.text
        ):
            text = self.source.newline + text
        self._add(offset, offset, text)

    def inserts_at(self, line: int) -> bool:
        """True when an insertion was already made before `line`."""
        offset = line_offset(self.source, line)
        return any(start == end == offset for start, end, _, _ in self._spans)

    def replace(self, range_: Range, text: str) -> None:
        self._add(self.source.offset(range_.start), self.source.offset(range_.end), text)

    def fix(self, title: str, *, preferred: bool = False) -> Fix | None:
        """The collected edits as a fix; None (no fix) if a transform produced edits that
        overlap, which would be a bug: better no fix than a broken file or a crash."""
        try:
            return Fix(title, self.edits(), preferred=preferred)
        except OverlappingEditsError:
            return None

    def edits(self) -> tuple[TextEdit, ...]:
        merged: list[list[int | str]] = []
        for start, end, _, text in sorted(self._spans):
            if merged and start < merged[-1][1]:  # type: ignore[operator]
                raise OverlappingEditsError("a fix produced overlapping edits")
            if merged and start == merged[-1][1]:
                merged[-1][1] = end
                merged[-1][2] = str(merged[-1][2]) + text
            else:
                merged.append([start, end, text])
        return tuple(
            TextEdit(
                Range(self.source.position_at(int(start)), self.source.position_at(int(end))),
                str(text),
            )
            for start, end, text in merged
        )
