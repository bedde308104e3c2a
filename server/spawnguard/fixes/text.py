"""Text facts that fixes need: where multi-line strings are, how the file indents.

Fixes must never change the text of a multi-line string, so every re-indent asks
`string_continuation_lines` first.
"""

from __future__ import annotations

import io
import tokenize
from functools import lru_cache

from spawnguard.analysis.source import SourceText


@lru_cache(maxsize=64)
def _string_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(first line, last line) of each string token that spans several lines."""
    spans = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                spans.append((token.start[0], token.end[0]))
            elif token.type == getattr(tokenize, "FSTRING_START", -1):
                spans.append((token.start[0], token.start[0]))  # closed by FSTRING_END
            elif token.type == getattr(tokenize, "FSTRING_END", -1) and spans:
                first, _ = spans[-1]
                spans[-1] = (first, token.end[0])
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return tuple((first, last) for first, last in spans if last > first)


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
    """The file's indentation step: the first indented code line's indentation, else 4 spaces."""
    continuation = string_continuation_lines(source)
    for number, text in enumerate(source.lines, start=1):
        if number in continuation or not text.strip() or text.lstrip().startswith("#"):
            continue
        indentation = text[: len(text) - len(text.lstrip())]
        if indentation:
            return "\t" if indentation.startswith("\t") else indentation
    return "    "
