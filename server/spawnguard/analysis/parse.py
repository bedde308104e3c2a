"""Parsing with the running interpreter's grammar; a file that does not parse is SPG000."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from spawnguard.analysis.findings import Finding, Position, Range, Severity
from spawnguard.analysis.source import SourceText


@dataclass(frozen=True)
class ParseResult:
    tree: ast.Module
    error: Finding | None = None


def syntax_error_finding(source: SourceText, message: str, line: int, column: int,
                         end_column: int | None = None) -> Finding:
    """SPG000 at the parser's position: its own span when it gives one on that line, else
    the one character there."""
    line = max(1, min(line, source.line_count))
    text = source.line(line)
    start = max(0, min(column, len(text)))
    if end_column is not None and end_column > start:
        end = min(end_column, len(text))
    else:
        end = min(start + 1, len(text))
    return Finding(
        code="SPG000",
        severity=Severity.ERROR,
        message=message,
        range=Range(Position(line, start), Position(line, end)),
    )


def parse_source(source: SourceText) -> ParseResult:
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences in the user's code are not our business.
            warnings.simplefilter("ignore")
            tree = ast.parse(source.text, type_comments=False)
    except SyntaxError as error:
        line = error.lineno or 1
        # SyntaxError offsets are 1-based and already in code points for str input.
        column = (error.offset or 1) - 1
        end_column = None
        if error.end_lineno == line and error.end_offset:
            end_column = error.end_offset - 1
        message = f"SyntaxError: {error.msg}"
        return ParseResult(ast.Module(body=[], type_ignores=[]), syntax_error_finding(
            source, message, line, column, end_column))
    except (ValueError, RecursionError, MemoryError) as error:
        # NUL bytes, nesting too deep for the parser.
        message = f"cannot parse: {error}"
        return ParseResult(ast.Module(body=[], type_ignores=[]), syntax_error_finding(
            source, message, 1, 0))
    return ParseResult(tree)
