"""Parsing a file as a sequence of top-level chunks: tolerant of half-typed code, and cheap
to repeat after an edit.

**The chunking rule.** A chunk starts at each line that begins in column 0 with code — not a
blank line, a comment, a closing bracket, a backslash, or `else`/`elif`/`except`/`finally`/
`case`, and not inside a triple-quoted string or after a backslash continuation. Blank and
comment lines belong to the chunk above. Each chunk is parsed on its own; a chunk that does
not parse is retried together with the chunks after it (a decorator and its `def`, a statement
the rule split wrongly), at most `MAX_MERGE` of them. A chunk that still does not parse is
*broken*: it reaches from its first line to the line before the next chunk — so an unclosed
bracket breaks only up to the next line that starts a statement in column 0. Consecutive
broken chunks form one broken span, reported once as SPG000; everything else is analysed as if
the broken spans were not there. (A file that parses as a whole is never chunked wrongly: with
a cache, broken chunks are checked against a whole parse.)

**Nesting.** The analysis walks trees without recursion: code is analysed at any depth the
parser builds. What the parser itself refuses (more than 100 levels of indentation, 200 of
brackets, or a tree too deep for its stack) is a statement that does not parse.

A `ChunkCache` keeps each chunk's parse, keyed by its first line and text, from one version of
a document to the next: an edit re-parses only the chunks it touched (and, when it adds or
removes lines, the chunks below it).
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass, field

from spawnguard.analysis.scopes import StatementFacts
from spawnguard.analysis.source import SourceText

MAX_MERGE = 8
_CONTINUATION_KEYWORDS = re.compile(r"(?:else|elif|except|finally|case)\b")
_TRIPLE_QUOTE = re.compile(r"'''|\"\"\"")


@dataclass(frozen=True)
class BrokenSpan:
    first_line: int
    last_line: int
    message: str
    error_line: int
    error_column: int


@dataclass(frozen=True)
class ChunkedParse:
    tree: ast.Module
    broken: tuple[BrokenSpan, ...]


@dataclass
class ChunkCache:
    """Parses of the chunks of one document's latest version."""

    entries: dict[tuple[int, str], ast.Module | SyntaxError] = field(default_factory=dict)
    # What walking each reused top-level statement found (see `scopes.build_scopes`).
    scopes: dict[ast.stmt, StatementFacts] = field(default_factory=dict)

    def adopt(self, source: SourceText, tree: ast.Module) -> None:
        """Fill the cache from a parse of the whole text, as `parse_chunks` would have: each
        run of chunks that holds whole statements, keyed by its first line and text.

        The first version of a document is parsed whole (one parse instead of one per chunk,
        with no line numbers to move); later versions then re-parse only the chunks an edit
        touches. Runs of chunks without statements (comments) are left to be parsed then."""
        lines = source.lines
        starts = chunk_starts(lines)
        ends = [*starts[1:], len(lines)]
        entries: dict[tuple[int, str], ast.Module | SyntaxError] = {}
        group: list[ast.stmt] = []
        first = last = -1
        for statement in tree.body:
            top = min((d.lineno for d in getattr(statement, "decorator_list", ())),
                      default=statement.lineno)
            begins = bisect.bisect_right(starts, top - 1) - 1
            if group and begins > last:
                entries[self._key(lines, starts[first], ends[last])] = _module(group)
                group = []
            if not group:
                first = begins
            group.append(statement)
            end_line: int = statement.end_lineno  # type: ignore[assignment]
            last = max(last, bisect.bisect_right(starts, end_line - 1) - 1)
        if group:
            entries[self._key(lines, starts[first], ends[last])] = _module(group)
        self.entries = entries

    @staticmethod
    def _key(lines: tuple[str, ...], first: int, end: int) -> tuple[int, str]:
        return (first, "\n".join(lines[first:end]))


def _module(body: list[ast.stmt]) -> ast.Module:
    return ast.Module(body=body, type_ignores=[])


def chunk_starts(lines: tuple[str, ...]) -> list[int]:
    """0-based indices of the lines that start a chunk (always including line 0)."""
    starts = [0]
    open_quote: str | None = None
    continued = False
    for index, line in enumerate(lines):
        if (open_quote is None and not continued and index
                and line[:1] not in ("", " ", "\t", "#", ")", "]", "}", "\f", "\\")
                and not _CONTINUATION_KEYWORDS.match(line)):
            starts.append(index)
        if '"""' in line or "'''" in line:
            for match in _TRIPLE_QUOTE.finditer(line):
                quote = match.group()
                if open_quote is None:
                    open_quote = quote
                elif open_quote == quote:
                    open_quote = None
        continued = open_quote is None and line.rstrip().endswith("\\")
    return starts


class NotAnalysable(SyntaxError):
    """Code that may be valid Python but that the parser cannot take: nested too deeply for its
    stack, or too big for memory."""


def parse_text(text: str) -> ast.Module | SyntaxError:
    """`ast.parse` that returns its error instead of raising it: also for NUL bytes and input
    the parser runs out of stack or memory on."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences in the user's code are not our business.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as error:
        # Kept in caches: without its traceback it holds no frames (and no parse trees).
        error.__context__ = None
        return error.with_traceback(None)
    except ValueError as error:  # NUL bytes (a SyntaxError from Python 3.12 on)
        return SyntaxError(str(error))
    except (RecursionError, MemoryError):
        return NotAnalysable("nested too deeply for the parser")
    return tree


def _moved_down(result: ast.Module | SyntaxError, lines: int) -> ast.Module | SyntaxError:
    """A chunk's parse with its line numbers made the whole file's. (Parsing the chunk behind
    `lines` line breaks would do the same, at a cost that grows with the file: quadratic for a
    file parsed chunk by chunk.)"""
    if not lines:
        return result
    if isinstance(result, ast.Module):
        return ast.increment_lineno(result, lines)
    if result.lineno is not None:
        result.lineno += lines
    if getattr(result, "end_lineno", None) is not None:
        result.end_lineno += lines  # type: ignore[operator]
    return result


def parse_chunks(source: SourceText, cache: ChunkCache | None = None) -> ChunkedParse:
    lines = source.lines
    starts = chunk_starts(lines)
    bounds = [(start, end) for start, end in zip(starts, [*starts[1:], len(lines)],
                                                 strict=True)]
    previous = cache.entries if cache is not None else {}
    used: dict[tuple[int, str], ast.Module | SyntaxError] = {}

    def parse_span(first: int, end: int) -> ast.Module | SyntaxError:
        text = "\n".join(lines[first:end])
        key = (first, text)
        result = used.get(key) or previous.get(key)
        if result is None:
            result = _moved_down(parse_text(text), first)
        used[key] = result
        return result

    body: list[ast.stmt] = []
    broken: list[BrokenSpan] = []
    index = 0
    while index < len(bounds):
        first = bounds[index][0]
        result: ast.Module | SyntaxError = SyntaxError()
        last = index
        for last in range(index, min(index + MAX_MERGE, len(bounds))):
            result = parse_span(first, bounds[last][1])
            if isinstance(result, ast.Module):
                break
        if isinstance(result, ast.Module):
            body.extend(result.body)
            index = last + 1
            continue
        alone = parse_span(first, bounds[index][1])
        error = alone if isinstance(alone, SyntaxError) else result
        assert isinstance(error, SyntaxError)
        kind = "Cannot analyse" if isinstance(error, NotAnalysable) else "SyntaxError"
        span = BrokenSpan(first + 1, bounds[index][1], f"{kind}: {error.msg}",
                          error.lineno or first + 1, (error.offset or 1) - 1)
        if broken and broken[-1].last_line == first:
            earlier = broken[-1]
            span = BrokenSpan(earlier.first_line, span.last_line, earlier.message,
                              earlier.error_line, earlier.error_column)
            broken[-1] = span
        else:
            broken.append(span)
        index += 1
    if cache is not None:
        cache.entries = used
    return ChunkedParse(ast.Module(body=body, type_ignores=[]), tuple(broken))
