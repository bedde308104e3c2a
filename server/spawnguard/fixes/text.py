"""Text facts that fixes need: where multi-line strings are, how the file indents.

Fixes must never change the text of a multi-line string, so every re-indent asks
`string_continuation_lines` first.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from functools import lru_cache

from spawnguard.analysis.source import SourceText


@dataclass(frozen=True)
class _TokenFacts:
    # (first line, last line) of each string token that spans several lines
    string_spans: tuple[tuple[int, int], ...]
    # the text of the first INDENT token: the file's indentation step
    first_indent: str | None


@lru_cache(maxsize=64)
def _token_facts(text: str) -> _TokenFacts:
    spans = []
    first_indent = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                spans.append((token.start[0], token.end[0]))
            elif token.type == getattr(tokenize, "FSTRING_START", -1):
                spans.append((token.start[0], token.start[0]))  # closed by FSTRING_END
            elif token.type == getattr(tokenize, "FSTRING_END", -1) and spans:
                first, _ = spans[-1]
                spans[-1] = (first, token.end[0])
            elif token.type == tokenize.INDENT and first_indent is None:
                first_indent = token.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return _TokenFacts(tuple((f, last) for f, last in spans if last > f), first_indent)


def _string_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(first line, last line) of each string token that spans several lines."""
    return _token_facts(text).string_spans


def string_continuation_lines(source: SourceText) -> frozenset[int]:
    """Lines that begin inside a multi-line string: their text belongs to the string."""
    lines: set[int] = set()
    for first, last in _string_spans(source.text):
        lines.update(range(first + 1, last + 1))
    return frozenset(lines)


def line_end_is_code(source: SourceText, line: int) -> bool:
    """True when a comment may be appended to `line` without changing the program."""
    text = source.line(line).rstrip()
    if text.endswith("\\"):
        return False
    return all(not (first <= line < last) for first, last in _string_spans(source.text))


def indent_unit(source: SourceText) -> str:
    """The file's indentation step: its first indented block's indentation, else 4 spaces.

    Read from the tokens, so that a continuation line inside brackets (aligned under an
    opening parenthesis) or a multi-line string does not count as indentation.
    """
    indent = _token_facts(source.text).first_indent
    if indent:
        return "\t" if indent.startswith("\t") else indent
    return "    "
