"""Which lines an edit touched, and which syntax errors wait for the typing to pause."""

from __future__ import annotations

from lsprotocol import types

from spawnguard import engine
from spawnguard.server.typing_pause import SYNTAX_ERROR_PAUSE, Edit, edit_of, held_back


def partial(line: int, start: int, end_line: int, end: int, text: str):
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, start), types.Position(end_line, end)), text=text)


def test_edited_lines_from_incremental_changes() -> None:
    assert edit_of("", "", [partial(4, 2, 4, 2, "x")], at=1.0) == Edit(5, 5, 1.0)
    # A paste of two lines at line 3 touches lines 3 and 4 of the new text.
    assert edit_of("", "", [partial(2, 0, 2, 0, "a\nb")], at=0.0) == Edit(3, 4, 0.0)


def test_edited_lines_from_a_whole_text_change() -> None:
    old = "a\nb\nc\nd\n"
    whole = [types.TextDocumentContentChangeWholeDocument(text="")]
    assert edit_of(old, "a\nB\nc\nd\n", whole, at=0.0) == Edit(2, 2, 0.0)
    assert edit_of(old, "a\nb\nX\nY\nc\nd\n", whole, at=0.0) == Edit(3, 4, 0.0)
    assert edit_of(old, "a\nd\n", whole, at=0.0) == Edit(2, 2, 0.0)  # a deletion: the cut


def test_only_a_fresh_syntax_error_on_the_edited_lines_waits() -> None:
    text = (
        'from multiprocessing import Pool\nif __name__ == "__main__":\n    Pool(2).close()\n'
        "if x\n"
    )
    findings = engine.analyze(text)
    assert [f.code for f in findings] == ["SPG000"]
    line = findings[0].range.start.line
    shown, again = held_back(findings, Edit(line, line, at=10.0), now=10.1)
    assert shown == [] and again is not None and abs(again - (SYNTAX_ERROR_PAUSE - 0.1)) < 1e-9
    assert held_back(findings, Edit(line, line, at=10.0), now=10.0 + SYNTAX_ERROR_PAUSE) == (
        findings, None)
    assert held_back(findings, Edit(1, 1, at=10.0), now=10.1) == (findings, None)  # elsewhere
    assert held_back(findings, None, now=10.1) == (findings, None)  # as opened
