"""SourceText's lines and line offsets: Python ends a line at `\r\n`, `\r` or `\n` only."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from spawnguard.analysis.findings import Position
from spawnguard.analysis.source import SourceText

_BREAK = re.compile(r"\r\n|\r|\n")

# Pieces that make every mix of line breaks, next to characters some splitters treat as breaks.
_PIECES = st.sampled_from(["\n", "\r\n", "\r", "x", "é", "\f", "\u2028", "\x0b", " ", ""])


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_lines_and_offsets_follow_pythons_line_breaks(text: str) -> None:
    source = SourceText(text)
    assert source.lines == tuple(_BREAK.split(text))
    assert source.line_starts == (0, *(m.end() for m in _BREAK.finditer(text)))
    for number, start in enumerate(source.line_starts, start=1):
        assert source.offset(Position(number, 0)) == start


def test_a_text_without_line_breaks_is_one_line() -> None:
    assert SourceText("").lines == ("",)
    assert SourceText("").line_starts == (0,)
    assert SourceText("a\u2028b\fc").lines == ("a\u2028b\fc",)
