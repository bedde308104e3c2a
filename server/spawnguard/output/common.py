"""What every output format shares: the report, and model → 1-based column conversion.

The model counts characters in code points from 0; every format here counts lines and
columns from 1 (still in code points), end exclusive: add 1 to each column at this edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spawnguard.analysis.findings import Finding, Range, Severity


@dataclass(frozen=True)
class FileReport:
    # The path as the user gave it, or as found under a folder they gave.
    path: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...]
    # The folder relative paths are relative to (the working directory of the run).
    base_dir: Path = field(default_factory=Path.cwd)
    # Fixes applied by `--fix`; None when the run did not fix.
    fixes_applied: int | None = None

    def entries(self) -> list[tuple[str, Finding]]:
        """(path, finding) pairs sorted by path, line, column, code."""
        pairs = [(report.path, finding) for report in self.files for finding in report.findings]
        pairs.sort(key=lambda pair: (pair[0], *pair[1].sort_key()))
        return pairs

    @property
    def problem_count(self) -> int:
        return sum(len(report.findings) for report in self.files)

    @property
    def fixable_count(self) -> int:
        return sum(
            1 for report in self.files for f in report.findings if f.preferred_fix is not None
        )


@dataclass(frozen=True)
class Span:
    """A range in output coordinates: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, range_: Range) -> Span:
        return cls(
            range_.start.line,
            range_.start.character + 1,
            range_.end.line,
            range_.end.character + 1,
        )


def is_failure(severity: Severity) -> bool:
    """Warnings and errors fail a run; information and hints do not."""
    return severity >= Severity.WARNING


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def cell_field(cell: int | None) -> dict[str, int]:
    """Notebooks: the 1-based index among code cells (lines are then within that cell)."""
    return {} if cell is None else {"cell": cell}


def in_cell(message: str, cell: int | None) -> str:
    """A notebook's cell in a message, for formats whose locations have no field for it.

    Lines and columns stay within the cell (as in `text` and `json`, and as ruff does); the
    cell has to be in the message or the line points nowhere in particular.
    """
    return message if cell is None else f"cell {cell}: {message}"


def one_line(message: str) -> str:
    """Formats with one finding per line cannot carry line breaks in a message."""
    return " ".join(message.split()) if "\n" in message or "\r" in message else message
