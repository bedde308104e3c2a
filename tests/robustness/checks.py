"""The properties every input must satisfy, as functions that raise `PropertyFailure`.

Shared by the bounded fuzz tests and `bench/fuzz.py`. Each check forces every lazily computed
fix: a fix that crashes when a code action asks for it is as much a crash as one in `analyze`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from spawnguard import engine
from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.findings import Finding, Position, Range
from spawnguard.engine import FixResult, analyze, fix_text


class PropertyFailure(AssertionError):
    pass


def _line_lengths(text: str) -> list[int]:
    """Length of each line, splitting where Python does (\\r\\n, \\r, \\n), computed here
    rather than by `SourceText` so that the check does not trust the code it checks."""
    lengths = []
    current = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "\r\n":
            lengths.append(current)
            current = 0
            if char == "\r" and text[index + 1 : index + 2] == "\n":
                index += 1
        else:
            current += 1
        index += 1
    lengths.append(current)
    return lengths


def _inside(position: Position, lengths: Sequence[int]) -> bool:
    return (1 <= position.line <= len(lengths)
            and 0 <= position.character <= lengths[position.line - 1])


def range_problem(range_: Range, lengths: Sequence[int]) -> str | None:
    if not (_inside(range_.start, lengths) and _inside(range_.end, lengths)):
        return f"{range_} lies outside the text ({len(lengths)} lines)"
    if range_.end < range_.start:
        return f"{range_} ends before it starts"
    return None


def finding_problems(text: str, findings: Iterable[Finding]) -> list[str]:
    """Every range a finding carries (its own, related ones in this file, its fixes' edits)
    must lie inside the text."""
    lengths = _line_lengths(text)
    problems = []
    for finding in findings:
        ranges = [finding.range]
        ranges += [r.range for r in finding.related if r.path is None and r.cell is None]
        for fix in finding.fixes:  # forces lazily computed fixes
            ranges += [edit.range for edit in fix.edits if edit.cell is None]
        for range_ in ranges:
            problem = range_problem(range_, lengths)
            if problem:
                problems.append(f"{finding.code} at {finding.range}: {problem}")
    return problems


def checked_analysis(text: str, **options: object) -> list[Finding]:
    """`analyze` must not raise, and its ranges must lie inside the text."""
    try:
        findings = analyze(text, **options)  # type: ignore[arg-type]
        problems = finding_problems(text, findings)
    except Exception as error:  # the property: nothing escapes
        raise PropertyFailure(f"analyze raised {type(error).__name__}: {error}") from error
    if problems:
        raise PropertyFailure("; ".join(problems[:5]))
    return findings


def checked_fix(text: str, **options: object) -> FixResult:
    """`fix_text` must not raise and must return text."""
    try:
        result = fix_text(text, **options)  # type: ignore[arg-type]
        problems = finding_problems(result.text, result.remaining)
    except Exception as error:
        raise PropertyFailure(f"fix_text raised {type(error).__name__}: {error}") from error
    if not isinstance(result.text, str):
        raise PropertyFailure(f"fix_text returned {type(result.text).__name__}")
    if problems:
        raise PropertyFailure("after fix_text: " + "; ".join(problems[:5]))
    return result


def comparable(findings: Iterable[Finding]) -> list[tuple[object, ...]]:
    return [(f.code, f.severity, f.message, f.range, f.related, f.tags,
             [(x.title, x.edits, x.preferred, x.is_suppression) for x in f.fixes])
            for f in findings]


def check_incremental(versions: Sequence[str]) -> None:
    """Re-analysing each version with the previous version's chunk cache gives exactly what
    a from-scratch analysis gives."""
    cache = ChunkCache()
    for number, text in enumerate(versions):
        incremental = comparable(checked_analysis(text, parse_cache=cache))
        scratch = comparable(checked_analysis(text))
        if incremental != scratch:
            raise PropertyFailure(
                f"version {number}: incremental analysis differs from a fresh one\n"
                f"incremental: {incremental}\nfrom scratch: {scratch}")


@contextmanager
def prefilters_off() -> Iterator[None]:
    """Every rule runs on every text (the reference the text prefilters must match)."""
    kept = engine.ALL_RULES
    engine.ALL_RULES = tuple(replace(rule, prefilter=None) for rule in kept)
    try:
        yield
    finally:
        engine.ALL_RULES = kept


# The reference run models every text in full, prefiltered or not: on the fuzzers' huge
# inputs (lines of 200,000 characters) that is seconds a case, for nothing the smaller
# inputs do not cover.
PREFILTER_CHECK_MAX_CHARACTERS = 100_000


def check_prefilters_lose_nothing(text: str, findings: Sequence[Finding]) -> None:
    """The text prefilters skip a file only when no rule can fire on it: the findings equal
    those of a run without them (SPG000 is reported only for files that may matter)."""
    if len(text) > PREFILTER_CHECK_MAX_CHARACTERS:
        return
    with prefilters_off():
        reference = analyze(text)
    kept = [f for f in comparable(findings) if f[0] != "SPG000"]
    expected = [f for f in comparable(reference) if f[0] != "SPG000"]
    if kept != expected:
        raise PropertyFailure(f"the prefilters lost findings\nwith: {kept}\nwithout: {expected}")


def check_all(text: str, *, fix: bool = True) -> list[Finding]:
    """The properties of one input: analysis, the prefilters and (optionally) fixing."""
    findings = checked_analysis(text)
    check_prefilters_lose_nothing(text, findings)
    if fix:
        checked_fix(text)
    return findings
