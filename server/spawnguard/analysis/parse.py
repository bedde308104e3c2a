"""Parsing with the running interpreter's grammar; a file that does not parse is SPG000."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from spawnguard.analysis.chunks import BrokenSpan, ChunkCache, parse_chunks, parse_text
from spawnguard.analysis.findings import Finding, Position, Range, Related, Severity
from spawnguard.analysis.source import SourceText


@dataclass(frozen=True)
class ParseResult:
    # The statements that parse (all of them, for a file without syntax errors).
    tree: ast.Module
    # One SPG000 per span that does not parse.
    errors: tuple[Finding, ...] = ()
    # Parsed as a whole although a chunk cache was given (it was empty): the caller fills the
    # cache (`ChunkCache.adopt`) once the tree is known to be analysable.
    adopt: bool = False


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


def parse_source(source: SourceText, cache: ChunkCache | None = None) -> ParseResult:
    """Parse the whole text; when it does not parse (or a cache from the previous version is
    given, with entries), parse it chunk by chunk so that one broken statement does not hide
    the rest."""
    if cache is None or not cache.entries:
        tree = parse_text(source.text)
        if isinstance(tree, ast.Module):
            return ParseResult(tree, adopt=cache is not None)
    chunked = parse_chunks(source, cache)
    if chunked.broken and cache is not None:
        # The chunking rule can split valid code (more than MAX_MERGE lines inside brackets
        # that start in column 0): a cached re-analysis must say what a fresh one says.
        tree = parse_text(source.text)
        if isinstance(tree, ast.Module):
            return ParseResult(tree)
    return ParseResult(chunked.tree, tuple(_broken_span_finding(source, span)
                                           for span in chunked.broken))


def _broken_span_finding(source: SourceText, span: BrokenSpan) -> Finding:
    """SPG000 at the parser's error, reaching to the end of the span it leaves out; the
    message and a related location name the whole span when it is more than one line."""
    last = span.last_line
    while last > span.first_line and not source.line(last).strip():
        last -= 1
    line = span.error_line if span.first_line <= span.error_line <= last else span.first_line
    column = span.error_column if line == span.error_line else 0
    finding = syntax_error_finding(source, span.message, line, max(column, 0))
    if last == span.first_line:
        return finding
    whole = Range(Position(span.first_line, 0), Position(last, len(source.line(last))))
    end = whole.end if last > line else finding.range.end
    return Finding(
        finding.code, finding.severity,
        f"{span.message} (lines {span.first_line}-{last} are not analysed)",
        Range(finding.range.start, end),
        related=(Related(whole, "not analysed until it parses"),),
    )
