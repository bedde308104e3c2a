"""Helpers for rule tests: findings as comparable tuples, ranges located by text."""

from __future__ import annotations

import textwrap

from spawnguard.analysis.findings import Finding, Range
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.engine import analyze

Span = tuple[int, int, int, int]


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def span(source: str, text: str, occurrence: int = 1) -> Span:
    """1-based line, 0-based code-point columns of the n-th occurrence of `text`."""
    index = -1
    for _ in range(occurrence):
        index = source.index(text, index + 1)
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1)
    end = index + len(text)
    end_line = source.count("\n", 0, end) + 1
    end_column = end - (source.rfind("\n", 0, end) + 1)
    return (line, column, end_line, end_column)


def span_of(found_range: Range) -> Span:
    """A finding's (or related location's) range as a span."""
    return (found_range.start.line, found_range.start.character, found_range.end.line,
            found_range.end.character)


def run(source: str, **settings: object) -> list[Finding]:
    """Findings of `source`; SPG501 (a hint about nearly every script) only when selected."""
    if "select" not in settings and "ignore" not in settings:
        settings["ignore"] = ("SPG501",)
    return analyze(source, settings=AnalysisSettings(**settings))  # type: ignore[arg-type]


def found(source: str, **settings: object) -> list[tuple[str, Span]]:
    return [(f.code, (f.range.start.line, f.range.start.character, f.range.end.line,
                      f.range.end.character)) for f in run(source, **settings)]


def codes(source: str, **settings: object) -> list[str]:
    return [f.code for f in run(source, **settings)]


def span_in(source: str, context: str, text: str) -> Span:
    """The span of `text` inside the first occurrence of `context`."""
    base = source.index(context) + context.index(text)
    prefix = source[:base]
    line = prefix.count("\n") + 1
    column = base - (prefix.rfind("\n") + 1)
    return (line, column, line, column + len(text))
