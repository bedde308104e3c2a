"""The safety properties of fixes, checked from the edits themselves.

For every non-suppression fix a finding offers on a text that parses:
- its edits lie inside the text, in order, without overlapping;
- the fixed text is the original with exactly those ranges replaced (computed here, from the
  edit ranges, not by trusting `apply_edits`), and `apply_edits` agrees;
- the fixed text parses;
- the finding's rule no longer fires there: the rule fires fewer times, and not at all at
  the finding's own place when the edits leave that place alone.
And `fix_text` is deterministic and idempotent: fixing its result changes nothing.
"""

from __future__ import annotations

import ast
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from runtime.harness import Outcome, run_script

from spawnguard.analysis.findings import Finding, Fix, Position
from spawnguard.engine import analyze, fix_text
from spawnguard.fixes.apply import apply_edits

from .checks import PropertyFailure, _line_lengths


def _offsets(text: str) -> list[int]:
    """Offset of each line's first character, lines split as Python splits them."""
    starts = [0]
    offset = 0
    for length in _line_lengths(text)[:-1]:
        offset += length
        offset += 2 if text[offset : offset + 2] == "\r\n" else 1
        starts.append(offset)
    return starts


def _offset(starts: Sequence[int], lengths: Sequence[int], position: Position) -> int:
    if not (1 <= position.line <= len(starts)
            and 0 <= position.character <= lengths[position.line - 1]):
        raise PropertyFailure(f"{position} lies outside the text")
    return starts[position.line - 1] + position.character


def _position(starts: Sequence[int], offset: int) -> Position:
    line = max(i for i, start in enumerate(starts) if start <= offset)
    return Position(line + 1, offset - starts[line])


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def applied(text: str, fix: Fix) -> tuple[str, list[tuple[int, int, str]]]:
    """The text with the fix's edits applied, computed from the edit ranges; and the spans."""
    starts, lengths = _offsets(text), _line_lengths(text)
    spans = sorted((_offset(starts, lengths, e.range.start), _offset(starts, lengths, e.range.end),
                    e.new_text) for e in fix.edits)
    pieces, cursor = [], 0
    for start, end, new_text in spans:
        if end < start:
            raise PropertyFailure(f"{fix.title}: an edit ends before it starts")
        if start < cursor:
            raise PropertyFailure(f"{fix.title}: edits overlap at offset {start}")
        pieces += [text[cursor:start], new_text]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), spans


def moved_place(finding: Finding, text: str, spans: list[tuple[int, int, str]],
                fixed: str) -> Position | None:
    """Where the finding's range starts in the fixed text, when no edit touches the range."""
    starts, lengths = _offsets(text), _line_lengths(text)
    start = _offset(starts, lengths, finding.range.start)
    end = _offset(starts, lengths, finding.range.end)
    shift = 0
    for edit_start, edit_end, new_text in spans:
        if edit_end <= start and not (edit_start == edit_end == start):
            shift += len(new_text) - (edit_end - edit_start)
        elif edit_start < end or (edit_start == edit_end == start):
            return None  # the edit rewrites (or inserts at) the finding's own place
    return _position(_offsets(fixed), start + shift)


def check_fix(text: str, finding: Finding, fix: Fix, before: Sequence[Finding],
              **options: object) -> None:
    fixed, spans = applied(text, fix)
    if apply_edits(text, fix.edits) != fixed:
        raise PropertyFailure(f"{fix.title}: apply_edits changes text outside the edit ranges")
    if not parses(fixed):
        raise PropertyFailure(f"{fix.title} for {finding.code}: the result does not parse\n"
                              f"{fixed}")
    after = analyze(fixed, **options)  # type: ignore[arg-type]
    count_before = sum(f.code == finding.code for f in before)
    count_after = sum(f.code == finding.code for f in after)
    if count_after >= count_before:
        raise PropertyFailure(f"{fix.title}: {finding.code} still fires {count_after} times "
                              f"(before: {count_before})\n{fixed}")
    place = moved_place(finding, text, spans, fixed)
    if place is not None and any(f.code == finding.code and f.range.start == place
                                 for f in after):
        raise PropertyFailure(f"{fix.title}: {finding.code} still fires at {place}\n{fixed}")


def check_fix_safety(text: str, **options: object) -> int:
    """Check every offered fix and `fix_text` on one text; the number of fixes checked."""
    if not parses(text):
        return 0
    findings = analyze(text, **options)  # type: ignore[arg-type]
    checked = 0
    for finding in findings:
        for fix in finding.fixes:
            if fix.is_suppression:
                continue
            check_fix(text, finding, fix, findings, **options)
            checked += 1
    result = fix_text(text, **options)  # type: ignore[arg-type]
    if not parses(result.text):
        raise PropertyFailure(f"fix_text's result does not parse\n{result.text}")
    again = fix_text(text, **options)  # type: ignore[arg-type]
    if (again.text, again.applied) != (result.text, result.applied):
        raise PropertyFailure("fix_text gives different results on the same text")
    twice = fix_text(result.text, **options)  # type: ignore[arg-type]
    if (twice.text, twice.applied) != (result.text, 0):
        raise PropertyFailure(f"fix_text is not idempotent: a second run applied "
                              f"{twice.applied} fixes\n{result.text}\n---\n{twice.text}")
    return checked


def check_runtime(text: str) -> str:
    """Run `text` under fork and its `fix_text` result under spawn; both must succeed and
    print the same lines. Returns the fixed text."""
    fixed = fix_text(text).text
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / side / "job.py" for side in ("original", "fixed")]
        for path, content in zip(paths, (text, fixed), strict=True):
            path.parent.mkdir()
            path.write_text(content, encoding="utf-8")
        original = run_script(paths[0], "fork")
        if original.outcome != Outcome.OK:
            raise PropertyFailure(f"the original fails under fork\n{original.describe()}")
        result = run_script(paths[1], "spawn")
    if result.outcome != Outcome.OK or result.stdout_lines != original.stdout_lines:
        raise PropertyFailure(f"fixed, under spawn: {result.describe()}\n"
                              f"original under fork printed {original.stdout_lines}\n{fixed}")
    return fixed
