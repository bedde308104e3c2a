"""The core's output types: findings, their ranges, and the fixes that repair them.

Coordinates are the model's own: 1-based lines, 0-based character offsets counted in
Unicode code points, end exclusive. The CLI and the language server convert at their edge.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Severity(enum.IntEnum):
    """Ordered so that a larger value is more severe."""

    HINT = 1
    INFORMATION = 2
    WARNING = 3
    ERROR = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            accepted = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (accepted: {accepted})") from None


# Positions and ranges are named tuples rather than frozen dataclasses: an analysis makes a
# few per finding and fix, and a tuple is built several times faster. They order as tuples.


class Position(NamedTuple):
    line: int  # 1-based
    character: int  # 0-based, code points


class Range(NamedTuple):
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, character: int, end_line: int, end_character: int) -> Range:
        return cls(Position(line, character), Position(end_line, end_character))

    def contains(self, other: Range) -> bool:
        return self.start <= other.start and other.end <= self.end



@dataclass(frozen=True)
class TextEdit:
    range: Range
    new_text: str
    # In a notebook: the 1-based code cell the range is in (the range is then the cell's own).
    cell: int | None = None


@dataclass(frozen=True)
class NewFile:
    """A file a fix creates, beside the analysed one (never overwriting an existing file)."""

    name: str  # file name, in the analysed file's folder
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    preferred: bool = False
    # Suppressions are offered beside real fixes but never applied by `--fix`.
    is_suppression: bool = False
    new_files: tuple[NewFile, ...] = ()


class LazyFixes(Sequence[Fix]):
    """Fixes computed on first use: most findings are shown, few are fixed, and computing a
    fix (planning a guard, lifting a lambda) costs more than finding the problem."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Iterable[Fix]]) -> None:
        self._make: Callable[[], Iterable[Fix]] | None = make
        self._value: tuple[Fix, ...] | None = None

    def _force(self) -> tuple[Fix, ...]:
        if self._value is None:
            assert self._make is not None
            self._value = tuple(self._make())
            self._make = None  # drop the model the closure holds
        return self._value

    def __getitem__(self, index: int | slice) -> Any:
        return self._force()[index]

    def __len__(self) -> int:
        return len(self._force())

    def __iter__(self) -> Iterator[Fix]:
        return iter(self._force())

    def __add__(self, other: Sequence[Fix]) -> LazyFixes:
        return LazyFixes(lambda: (*self._force(), *other))

    def __radd__(self, other: Sequence[Fix]) -> LazyFixes:
        return LazyFixes(lambda: (*other, *self._force()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[tuple], tuple[tuple[Fix, ...]]]:
        return (tuple, (self._force(),))

    def __repr__(self) -> str:
        return f"LazyFixes({self._force()!r})"


# A CommonMark code span: a run of backticks, its text, and a run of the same length.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def plain_text(message: str) -> str:
    """A message as written (Markdown code spans, for the hover) as plain text.

    Diagnostics, the CLI's text and the SARIF/JSON/GitHub messages are shown verbatim, so
    `` `name` `` would show its backticks: each code span becomes its bare text. A backtick
    that opens no span (in quoted source) stays.
    """
    if "`" not in message:
        return message
    return _CODE_SPAN.sub(lambda span: _span_text(span.group(2)), message)


def _span_text(code: str) -> str:
    # CommonMark strips one space each side, which lets a span start or end with a backtick.
    if code.startswith(" ") and code.endswith(" ") and code.strip():
        return code[1:-1]
    return code


@dataclass(frozen=True)
class Related:
    range: Range
    message: str
    # None means the analysed file itself.
    path: str | None = None
    cell: int | None = None  # in a notebook: the 1-based code cell

    @property
    def plain_message(self) -> str:
        return plain_text(self.message)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    range: Range
    related: tuple[Related, ...] = ()
    fixes: Sequence[Fix] = field(default=(), compare=False)
    # "unnecessary" / "deprecated" diagnostic tags, where one fits.
    tags: tuple[str, ...] = ()
    # In a notebook: the 1-based code cell; `range` is then within that cell.
    cell: int | None = None

    @property
    def plain_message(self) -> str:
        """`message` without its Markdown: what diagnostics and the CLI show."""
        return plain_text(self.message)

    @property
    def preferred_fix(self) -> Fix | None:
        for fix in self.fixes:
            if fix.preferred and not fix.is_suppression:
                return fix
        return None

    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.cell or 0, self.range.start.line, self.range.start.character, self.code)
