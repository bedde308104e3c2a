"""Inputs at the edges: deep nesting, huge lines and files, odd characters and line breaks.

Each test names the property it holds the analyser to; the fuzz tests (`test_fuzz_core.py`)
reach the same inputs at random, these pin the worst cases down.
"""

from __future__ import annotations

import random
import sys
import time

import pytest

from robustness.checks import check_incremental, checked_analysis, checked_fix
from robustness.corpus import seed_texts
from robustness.mutations import DEEP_KINDS as DEEP_KIND_COUNT
from robustness.mutations import deep_statement, many_lines
from spawnguard.analysis import chunks
from spawnguard.analysis.chunks import ChunkCache, parse_chunks
from spawnguard.analysis.source import SourceText
from spawnguard.engine import analyze, fix_text

HEADER = ("import multiprocessing as mp\n\n\ndef work():\n    print('w')\n\n\n")
START = "mp.Process(target=work).start()\n"
DEEP_KINDS = range(DEEP_KIND_COUNT)
# Python refuses more than 100 levels of indentation and 200 of brackets.
PARSER_NESTING = 100


class FixedChoice(random.Random):
    """A Random whose `randrange` always picks `kind`: one deep_statement kind per test."""

    def __init__(self, kind: int) -> None:
        super().__init__(0)
        self.kind = kind

    def randrange(self, *args: object, **kwargs: object) -> int:  # type: ignore[override]
        return self.kind


def deep_script(kind: int, depth: int) -> str:
    return HEADER + deep_statement(FixedChoice(kind), depth) + "\n" + START


def codes_by_line(text: str) -> list[tuple[str, int]]:
    return [(f.code, f.range.start.line) for f in checked_analysis(text)]


@pytest.mark.parametrize("kind", DEEP_KINDS)
@pytest.mark.parametrize("depth", [PARSER_NESTING - 5, PARSER_NESTING + 5, 1000, 5000])
def test_deep_nesting_is_reported_not_raised(kind: int, depth: int) -> None:
    """However deep a statement nests, analysis and fixing return; the statement after it is
    still analysed (its SPG101 is found)."""
    text = deep_script(kind, depth)
    start_line = text.count("\n")
    assert ("SPG101", start_line) in codes_by_line(text)
    checked_fix(text)


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_nesting_verdict_is_the_same_whole_and_chunked(kind: int) -> None:
    """An analysis with a cache parses chunk by chunk: around the parser's limits it must
    agree exactly with a whole-file analysis."""
    for depth in range(PARSER_NESTING // 2 - 8, PARSER_NESTING + 8):
        text = deep_script(kind, depth)
        whole = [(f.code, f.range, f.message) for f in checked_analysis(text)]
        chunked = [(f.code, f.range, f.message)
                   for f in checked_analysis(text, parse_cache=ChunkCache())]
        assert whole == chunked, f"depth {depth}"


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_too_deep_statement_is_one_spg000_naming_why(kind: int) -> None:
    """A statement the parser cannot build (here 5,000 levels: its stack) is one SPG000."""
    text = deep_script(kind, 5000)
    first = HEADER.count("\n") + 1
    last = text.count("\n") - 1
    errors = [f for f in checked_analysis(text) if f.code == "SPG000"]
    assert len(errors) == 1
    assert first <= errors[0].range.start.line <= last
    assert "nested" in errors[0].message or "SyntaxError" in errors[0].message


@pytest.mark.parametrize("depth", [300, 900, 20_000])
def test_deep_guard_condition_is_reported_not_raised(depth: int) -> None:
    """The broken-guard prefilter parses `if` headers on its own: a deep one must not raise."""
    text = HEADER + "if __name__ == " + "-" * depth + "'__main__':\n    " + START
    assert [code for code, _ in codes_by_line(text)] == ["SPG000"]

def test_nesting_below_the_limit_is_analysed() -> None:
    """Deep code is modelled, not left out: 2,000 elifs or a 2,000-term sum."""
    for kind in (5, 9):
        text = deep_script(kind, 2000)
        assert [c for c, _ in codes_by_line(text) if c == "SPG000"] == []


def _frames_in_use() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        count, frame = count + 1, frame.f_back
    return count


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_deep_statement_is_analysed_within_500_frames(kind: int) -> None:
    """The analysis and the fixes walk without recursion: a statement 300 levels deep is
    analysed, with the same findings, from a caller that leaves only 500 frames (the parser,
    whose own limit follows the recursion limit, still builds a tree 300 levels deep)."""
    text = deep_script(kind, 300)
    expected = analyze(text)
    assert [f.code for f in expected if f.code == "SPG000"] == (["SPG000"] if kind == 10 else [])
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames_in_use() + 500)
    try:
        findings = analyze(text)
        for finding in findings:
            list(finding.fixes)
        fix_text(text)
    finally:
        sys.setrecursionlimit(old_limit)
    assert findings == expected


def test_50000_line_file_is_analysed_in_bounded_time_and_incrementally() -> None:
    text = many_lines(random.Random(0), dict(seed_texts())["spg101_main_call_chain.py"])
    assert text.count("\n") >= 49_000
    started = time.monotonic()
    findings = checked_analysis(text)
    assert any(f.code == "SPG101" for f in findings)
    # A syntax error near the top, then an edit below it: chunked and cached.
    broken = text.replace("def run_workers(results):", "def run_workers(results:", 1)
    edited = broken.replace("total = sum(", "total = sum( ", 3)
    check_incremental([broken, edited])
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("line", [
    "x = '" + "a" * 1_000_000 + "'",
    "x = [" + "1, " * 100_000 + "]",
    "# " + "é😀" * 200_000,
    "call(" + "a, " * 100_000,
], ids=["string", "list", "comment", "unclosed-call"])
def test_huge_line_is_analysed_in_bounded_time(line: str) -> None:
    text = HEADER + line + "\n" + START
    started = time.monotonic()
    assert ("SPG101", text.count("\n")) in codes_by_line(text)
    checked_fix(text)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_other_line_breaks_give_the_same_findings(newline: str) -> None:
    for _, text in seed_texts()[:12]:
        assert codes_by_line(text.replace("\n", newline)) == codes_by_line(text)


def test_form_feeds_at_line_starts_change_nothing() -> None:
    for _, text in seed_texts()[:12]:
        fed = "".join("\f" + line if line.strip() and not line[0].isspace() else line
                      for line in text.splitlines(keepends=True))
        assert codes_by_line(fed) == codes_by_line(text)


@pytest.mark.parametrize("odd", ["\0", "\ud800", "\udfff", "\ufeff", "\x85", "\u2028", "\v"])
def test_odd_character_breaks_at_most_its_own_statement(odd: str) -> None:
    text = HEADER + f"x = 1{odd}\n" + START
    codes = codes_by_line(text)
    assert ("SPG101", text.count("\n")) in codes
    checked_fix(text)


def test_cached_reanalysis_after_a_deep_statement_is_typed() -> None:
    """A deep statement typed in gives the same answer cached and from scratch."""
    base = HEADER + START
    versions = [base]
    for depth in (50, 99, 100, 101, 150, 99):
        versions.append(HEADER + "x = " + "-" * depth + "1\n" + START)
    check_incremental(versions)
    cache = ChunkCache()
    for version in versions:
        assert analyze(version, parse_cache=cache) == analyze(version)


def test_chunked_parse_of_a_long_file_parses_each_line_about_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk is parsed on its own and moved to its lines afterwards: parsing it behind
    thousands of line breaks made a 50,000-line file cost six whole parses. Counted in
    characters handed to the parser, not timed (these machines are noisy)."""
    text = many_lines(random.Random(0), dict(seed_texts())["spg101_main_call_chain.py"])
    source = SourceText(text)
    assert len(source.lines) > 49_000
    parsed: list[int] = []
    real_parse_text = chunks.parse_text

    def counting_parse_text(chunk: str, *args: object) -> object:
        parsed.append(len(chunk))
        return real_parse_text(chunk, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(chunks, "parse_text", counting_parse_text)
    result = parse_chunks(source)
    assert result.broken == ()
    assert len(parsed) > 1000  # chunk by chunk
    assert sum(parsed) <= 1.05 * len(text)
