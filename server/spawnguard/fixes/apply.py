"""Applying text edits: the one function both `--fix` and the language server rely on."""

from __future__ import annotations

from collections.abc import Iterable

from spawnguard.analysis.findings import TextEdit
from spawnguard.analysis.source import SourceText


class OverlappingEditsError(ValueError):
    pass


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (model coordinates) to `text`."""
    source = SourceText(text)
    spans = sorted(
        ((source.offset(e.range.start), source.offset(e.range.end), e.new_text) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    pieces: list[str] = []
    cursor = 0
    for start, end, new_text in spans:
        if start < cursor:
            raise OverlappingEditsError(f"edits overlap at offset {start}")
        pieces.append(text[cursor:start])
        pieces.append(new_text)
        cursor = max(end, start)
    pieces.append(text[cursor:])
    return "".join(pieces)
