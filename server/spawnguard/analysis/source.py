"""Source text and the one place where positions are converted.

`ast` reports columns as UTF-8 byte offsets into a line; the model speaks code points; LSP
clients speak UTF-16 code units unless they negotiate otherwise. Python (and LSP) end a line at
`\\r\\n`, `\\r` or `\\n` and nowhere else (not at `\\f` or `\\u2028`, which `str.splitlines`
would split on).
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from functools import cached_property

from spawnguard.analysis.findings import Position, Range

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceText:
    text: str

    @cached_property
    def line_starts(self) -> tuple[int, ...]:
        """Offset (in code points) of the first character of each line."""
        if "\r" not in self.text:  # (str methods: several times faster than the regex)
            return (0, *itertools.accumulate(len(line) + 1 for line in self.lines[:-1]))
        return (0, *(m.end() for m in _LINE_BREAK.finditer(self.text)))

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """Lines without their line break; there is always at least one (maybe empty)."""
        if "\r" not in self.text:
            return tuple(self.text.split("\n"))
        return tuple(_LINE_BREAK.split(self.text))

    @cached_property
    def newline(self) -> str:
        """The file's dominant line break, used for text that fixes insert."""
        match = _LINE_BREAK.search(self.text)
        return match.group() if match else "\n"

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line(self, line: int) -> str:
        """The 1-based line's text without its line break ('' past the end)."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return ""

    # --- conversions -------------------------------------------------------------------------

    def byte_col_to_char(self, line: int, byte_col: int) -> int:
        text = self.line(line)
        if text.isascii():
            return min(byte_col, len(text))
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def node_range(self, node: ast.AST) -> Range:
        """The range of an ast node (which must carry end positions)."""
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
        return Range(
            Position(line, self.byte_col_to_char(line, col)),
            Position(end_line, self.byte_col_to_char(end_line, end_col)),
        )

    def offset(self, position: Position) -> int:
        """Code-point offset into `text` of a position, clamped to the text."""
        if position.line < 1:
            return 0
        if position.line > self.line_count:
            return len(self.text)
        start = self.line_starts[position.line - 1]
        return start + min(max(position.character, 0), len(self.line(position.line)))

    def position_at(self, offset: int) -> Position:
        import bisect

        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return Position(index + 1, min(offset - self.line_starts[index], len(self.lines[index])))

    def slice(self, range_: Range) -> str:
        start, end = range_.start, range_.end
        if start.line == end.line and 1 <= start.line <= len(self.lines):
            # One line (most slices): no need for the offsets of every line.
            return self.lines[start.line - 1][max(start.character, 0) : max(end.character, 0)]
        return self.text[self.offset(start) : self.offset(end)]

    def end_position(self) -> Position:
        return Position(self.line_count, len(self.lines[-1]))



def chars_to_units(text: str, character: int, encoding: str) -> int:
    """Code-point column → column in `encoding` units ('utf-8', 'utf-16' or 'utf-32')."""
    if encoding == "utf-32" or text.isascii():
        return character
    prefix = text[:character]
    # surrogatepass: a lone surrogate (possible in an editor buffer) still counts as one unit.
    if encoding == "utf-8":
        return len(prefix.encode("utf-8", "surrogatepass"))
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2


def units_to_chars(text: str, units: int, encoding: str) -> int:
    """Column in `encoding` units → code-point column (clamped to the line's end)."""
    if encoding == "utf-32" or text.isascii():
        return max(0, min(units, len(text)))
    count = 0
    for index, char in enumerate(text):
        if count >= units:
            return index
        code = ord(char)
        if encoding == "utf-8":
            count += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        else:
            count += 2 if code >= 0x10000 else 1
    return len(text)
