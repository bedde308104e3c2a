"""A syntax error on the line being typed is published only after a pause in the typing.

While a line is half typed (`if ready`, before its `:`), the text does not parse, and an
SPG000 published at once would flash on every keystroke. Like Pylance, the server holds back
an SPG000 that starts on a line the latest edit touched until `SYNTAX_ERROR_PAUSE` seconds
have passed since that edit; every other finding, and a syntax error elsewhere, is published
at once. When the pause ends with no newer edit, the document is published again, now with
the syntax error (its analysis is cached: the text did not change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

from spawnguard.analysis.findings import Finding
from spawnguard.rules import SYNTAX_ERROR_RULE

SYNTAX_ERROR_PAUSE = 0.5


@dataclass(frozen=True)
class Edit:
    """The lines of the new text an edit touched (1-based, inclusive) and when it arrived."""

    first_line: int
    last_line: int
    at: float  # time.monotonic()

    def touches(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


def edit_of(
    old_text: str,
    new_text: str,
    changes: Sequence[types.TextDocumentContentChangeEvent],
    at: float,
) -> Edit:
    """The lines `changes` touched: from their ranges when every change has one (what VS
    Code sends), else by comparing the texts line by line."""
    ranged = [c for c in changes if isinstance(c, types.TextDocumentContentChangePartial)]
    if ranged and len(ranged) == len(changes):
        first = min(c.range.start.line for c in ranged) + 1
        last = max(c.range.start.line + c.text.count("\n") for c in ranged) + 1
        return Edit(first, max(first, last), at)
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    limit = min(len(old_lines), len(new_lines))
    same_start = next((i for i in range(limit) if old_lines[i] != new_lines[i]), limit)
    same_end = 0
    while (same_end < limit - same_start
           and old_lines[-1 - same_end] == new_lines[-1 - same_end]):
        same_end += 1
    first = same_start + 1
    return Edit(first, max(first, len(new_lines) - same_end), at)


def held_back(
    findings: Sequence[Finding], edit: Edit | None, now: float
) -> tuple[list[Finding], float | None]:
    """The findings to publish now, and in how many seconds to publish again (None when
    nothing is held back)."""
    if edit is None or now - edit.at >= SYNTAX_ERROR_PAUSE:
        return list(findings), None
    shown = [f for f in findings
             if not (f.code == SYNTAX_ERROR_RULE.code and edit.touches(f.range.start.line))]
    if len(shown) == len(findings):
        return shown, None
    return shown, SYNTAX_ERROR_PAUSE - (now - edit.at)
