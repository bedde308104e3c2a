"""A notebook's code cells as one analysable source, with a map back to (cell, line).

Jupyter runs the code cells one after another in one `__main__` namespace, so they are
analysed as one module: the cells' lines joined in order, one line break between cells.
IPython syntax that is not Python is blanked so that the rest parses, line for line, so
positions on every other line stay what they are in the cell:

- line magics and shell escapes at the start of a statement (`%time f()`, `!pip install x`),
  help (`obj?`, `??obj`): the line becomes empty (`pass` where it is indented, so that a
  block keeps a body);
- `x = !ls`, `x = %sx ls`: the right-hand side becomes `None`;
- cell magics (`%%bash`, `%%writefile`): the whole cell, except those whose body is Python
  run in the notebook (`%%time`, `%%capture`, ...), where only the magic line goes.

Cells that do not parse on their own can be left out (blanked) so that one half-typed cell
does not hide the findings of the others; `analyze_cells` does that. Pure: no I/O, no LSP.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from spawnguard.analysis.findings import Finding, Position, Range
from spawnguard.analysis.source import SourceText

# Cell magics whose body is Python executed in the notebook's namespace.
PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "python", "python3", "memit", "lprun"}
)
_ASSIGNED_MAGIC = re.compile(r"^(?P<target>[\w.\[\]\s,()*'\"]+?)\s*=\s*[!%]")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<name>\w+)")


@dataclass(frozen=True)
class CellSpan:
    index: int  # position among the cells given to `NotebookSource.build` (0-based)
    first_line: int  # 1-based line of the cell's first line in the combined source
    line_count: int

    @property
    def last_line(self) -> int:
        return self.first_line + self.line_count - 1


@dataclass(frozen=True)
class NotebookSource:
    text: str
    cells: tuple[CellSpan, ...]
    # Combined-source lines whose text was replaced (IPython syntax, skipped cells).
    masked_lines: frozenset[int]

    @classmethod
    def build(cls, cells: Sequence[str], *, skip: Collection[int] = ()) -> NotebookSource:
        """Join `cells` (their texts, in notebook order); cells in `skip` are blanked."""
        lines: list[str] = []
        spans: list[CellSpan] = []
        masked: set[int] = set()
        for index, cell_text in enumerate(cells):
            cell_lines = list(SourceText(cell_text).lines)
            first = len(lines) + 1
            if index in skip:
                replaced = set(range(len(cell_lines)))
                cell_lines = [""] * len(cell_lines)
            else:
                cell_lines, replaced = mask_ipython_syntax(cell_lines)
            masked.update(first + offset for offset in replaced)
            spans.append(CellSpan(index, first, len(cell_lines)))
            lines.extend(cell_lines)
        return cls("\n".join(lines), tuple(spans), frozenset(masked))

    # --- combined → cell ------------------------------------------------------------------------

    def cell_at(self, line: int) -> CellSpan:
        """The cell holding a combined-source line (clamped to the first/last cell)."""
        if not self.cells:
            raise ValueError("a notebook without code cells has no lines")
        starts = [cell.first_line for cell in self.cells]
        index = max(0, bisect.bisect_right(starts, line) - 1)
        return self.cells[index]

    def to_cell_position(self, position: Position) -> tuple[int, Position]:
        cell = self.cell_at(position.line)
        line = min(max(position.line, cell.first_line), cell.last_line)
        return cell.index, Position(line - cell.first_line + 1, position.character)

    def to_cell_range(self, range_: Range) -> tuple[int, Range]:
        """The cell of the range's start and the range within it, cut at the cell's end."""
        index, start = self.to_cell_position(range_.start)
        cell = self.cells[index]
        if range_.end.line > cell.last_line:
            end = Position(cell.line_count, len(self._line(cell.last_line)))
        else:
            end = Position(range_.end.line - cell.first_line + 1, range_.end.character)
        return index, Range(start, max(start, end))

    def edit_in_one_cell(self, range_: Range) -> tuple[int, Range] | None:
        """Where an edit lands in one cell; None when it spans cells or touches masked text."""
        index, start = self.to_cell_position(range_.start)
        cell = self.cells[index]
        if not cell.first_line <= range_.end.line <= cell.last_line:
            return None
        if self.touches_masked(range_):
            return None
        end = Position(range_.end.line - cell.first_line + 1, range_.end.character)
        return index, Range(start, end)

    def touches_masked(self, range_: Range) -> bool:
        last = range_.end.line
        if range_.end.character == 0 and last > range_.start.line:
            last -= 1  # an edit ending at a line's start leaves that line alone
        return any(line in self.masked_lines for line in range(range_.start.line, last + 1))

    # --- cell → combined ------------------------------------------------------------------------

    def from_cell_position(self, cell_index: int, position: Position) -> Position:
        cell = self.cells[cell_index]
        line = min(max(position.line, 1), cell.line_count)
        return Position(cell.first_line + line - 1, position.character)

    def _line(self, line: int) -> str:
        return SourceText(self.text).line(line)


# --- IPython syntax -------------------------------------------------------------------------------


def mask_ipython_syntax(lines: Sequence[str]) -> tuple[list[str], set[int]]:
    """Blank the lines of one cell that are IPython syntax; returns (lines, 0-based indices)."""
    result = list(lines)
    masked: set[int] = set()
    first_code = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first_code is not None and (magic := _CELL_MAGIC.match(lines[first_code])):
        if magic.group("name") not in PYTHON_CELL_MAGICS:
            return [""] * len(lines), set(range(len(lines)))
        result[first_code] = ""
        masked.add(first_code)
    in_magic_continuation = False
    for index, (text, scan) in enumerate(zip(lines, scan_lines(lines), strict=True)):
        if index in masked:
            continue
        if in_magic_continuation:
            result[index] = ""
            masked.add(index)
            in_magic_continuation = text.rstrip().endswith("\\")
            continue
        if not scan.starts_statement:
            continue
        stripped = text.lstrip()
        indentation = text[: len(text) - len(stripped)]
        placeholder = indentation + "pass" if indentation else ""
        if stripped[:1] in ("%", "!", "?") or scan.has_question_mark:
            result[index] = placeholder
        elif assigned := _ASSIGNED_MAGIC.match(stripped):
            result[index] = f"{indentation}{assigned.group('target').rstrip()} = None"
        else:
            continue
        masked.add(index)
        in_magic_continuation = text.rstrip().endswith("\\")
    return result, masked


@dataclass(frozen=True)
class LineScan:
    # The line begins a statement: not inside brackets, a string, or after a backslash.
    starts_statement: bool
    # A `?` outside strings and comments: IPython help syntax, never Python.
    has_question_mark: bool


def scan_lines(lines: Sequence[str]) -> list[LineScan]:
    """A forgiving scan of brackets, strings and continuations (never raises).

    `tokenize` stops at the first IPython construct or unfinished string; this keeps going.
    """
    depth = 0
    open_quote: str | None = None  # the delimiter of a string still open at the line's end
    continued = False
    scans = []
    for text in lines:
        starts = depth == 0 and open_quote is None and not continued
        question = False
        continued = False
        position = 0
        length = len(text)
        while position < length:
            char = text[position]
            if open_quote is not None:
                if char == "\\":
                    position += 2
                    continue
                if text.startswith(open_quote, position):
                    position += len(open_quote)
                    open_quote = None
                    continue
                position += 1
                continue
            if char == "#":
                break
            if char in "'\"":  # a quote outside a string always opens one (prefix or not)
                triple = text[position : position + 3]
                open_quote = triple if triple in ("'''", '"""') else char
                position += len(open_quote)
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(0, depth - 1)
            elif char == "?":
                question = True
            elif char == "\\" and position == length - 1:
                continued = True
            position += 1
        if open_quote is not None and len(open_quote) == 1:
            if text.endswith("\\"):
                continued = True
            else:
                open_quote = None  # an unterminated one-line string ends with its line
        scans.append(LineScan(starts, question))
    return scans


# --- analysing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookAnalysis:
    source: NotebookSource
    # In the combined source's coordinates; map with `source.to_cell_range` & co.
    findings: tuple[Finding, ...]


def cells_that_do_not_parse(cells: Sequence[str]) -> list[int]:
    bad = []
    for index, cell in enumerate(cells):
        masked, _ = mask_ipython_syntax(SourceText(cell).lines)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse("\n".join(masked))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            bad.append(index)
    return bad


def analyze_cells(
    cells: Sequence[str], analyze: Callable[[str], list[Finding]]
) -> NotebookAnalysis:
    """Analyse code cells as one module with `analyze` (the engine, set up for notebooks).

    When the joined cells do not parse, the cells that do not parse on their own are left
    out and each gets its own SPG000, so the findings of the other cells stay visible.
    """
    source = NotebookSource.build(cells)
    findings = analyze(source.text)
    if not any(f.code == "SPG000" for f in findings):
        return NotebookAnalysis(source, tuple(findings))
    bad_cells = cells_that_do_not_parse(cells)
    if not bad_cells:
        return NotebookAnalysis(source, tuple(findings))
    source = NotebookSource.build(cells, skip=bad_cells)
    findings = list(analyze(source.text))
    for index in bad_cells:
        # This cell's own SPG000, found by the engine (so settings and suppressions apply)
        # in the notebook with only this cell left broken: the same lines as `source`.
        alone = NotebookSource.build(cells, skip=[i for i in bad_cells if i != index])
        findings += [f for f in analyze(alone.text) if f.code == "SPG000"]
    findings.sort(key=Finding.sort_key)
    return NotebookAnalysis(source, tuple(findings))
