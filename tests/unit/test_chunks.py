"""Chunked parsing: equal to a full parse on valid code, tolerant of half-typed code, and an
incremental re-analysis equals a from-scratch one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spawnguard.analysis import parse
from spawnguard.analysis.chunks import ChunkCache, parse_chunks
from spawnguard.analysis.source import SourceText
from spawnguard.engine import analyze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").rglob("*.py")) + sorted(
    (ROOT / "tests" / "runtime_scripts").rglob("*.py"))
STDLIB = [Path(ast.__file__).parent / name for name in
          ("argparse.py", "multiprocessing/pool.py", "concurrent/futures/process.py")]


def comparable(text: str, **kwargs: object) -> list[tuple]:
    return [(f.code, f.range, f.message, [(x.title, x.edits) for x in f.fixes])
            for f in analyze(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("path", EXAMPLES + STDLIB, ids=lambda p: p.name)
def test_chunked_parse_equals_full_parse_on_valid_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    chunked = parse_chunks(SourceText(text))
    assert chunked.broken == ()
    assert ast.dump(chunked.tree, include_attributes=True) == ast.dump(
        ast.parse(text), include_attributes=True)


TRICKY_LAYOUTS = [
    "@decorator\n# between\n@other(1,\n2)\ndef f():\n    pass\n",
    "x = (\n1,\n)\ny = [\n2]\n",
    "a = 1; b = 2\nc = 3\n",
    's = """\ntext in column 0\n"""\nt = 1\n',
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
    "try:\n    pass\nexcept E:\n    pass\nfinally:\n    pass\n",
    "match x:\n    case 1:\n        pass\n",
    "v = 1 + \\\n2\nw = 3\n",
    "# only a comment\n\n",
    "class C:\n    @property\n    def p(self):\n        return 1\n\n\nC()\n",
    "",
]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in EXAMPLES + STDLIB]
                         + TRICKY_LAYOUTS,
                         ids=[p.name for p in EXAMPLES + STDLIB]
                         + [f"layout{i}" for i in range(len(TRICKY_LAYOUTS))])
def test_adopting_a_whole_parse_fills_the_cache_as_chunked_parsing_does(text: str) -> None:
    """The first version of a document is parsed whole and the cache filled from that parse:
    the next version must find exactly the entries chunk-by-chunk parsing would have left."""
    source = SourceText(text)
    chunked = ChunkCache()
    parse_chunks(source, chunked)
    expected = {key: ast.dump(value, include_attributes=True)
                for key, value in chunked.entries.items()
                if isinstance(value, ast.Module) and value.body}
    adopted = ChunkCache()
    adopted.adopt(source, ast.parse(text))
    assert {key: ast.dump(value, include_attributes=True)
            for key, value in adopted.entries.items()} == expected


def test_first_analysis_with_an_empty_cache_parses_once_and_fills_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "examples" / "broken" / "train_dataloader.py").read_text(encoding="utf-8")
    expected = comparable(text)
    parsed: list[str] = []
    real_parse_text = parse.parse_text

    def counting_parse_text(chunk: str, *args: object) -> object:
        parsed.append(chunk)
        return real_parse_text(chunk, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "parse_text", counting_parse_text)
    cache = ChunkCache()
    assert comparable(text, parse_cache=cache) == expected
    assert parsed == [text]  # one parse of the whole text, not one per chunk
    monkeypatch.undo()
    assert cache.entries and all(isinstance(v, ast.Module) for v in cache.entries.values())
    edited = text.replace("lr=0.5", "lr=0.25")
    assert comparable(edited, parse_cache=cache) == comparable(edited)


def blank_lines(text: str, first: int, last: int) -> str:
    lines = text.split("\n")
    for index in range(first - 1, min(last, len(lines))):
        lines[index] = ""
    return "\n".join(lines)


def broken_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for finding in analyze(text):
        if finding.code != "SPG000":
            continue
        match = re.search(r"lines (\d+)-(\d+)", finding.message)
        first, last = ((int(match.group(1)), int(match.group(2))) if match
                       else (finding.range.start.line, finding.range.start.line))
        spans.append((first, last))
    return spans


def assert_rest_is_analysed(text: str) -> None:
    """The findings beside SPG000 are those of the file with the broken spans blanked."""
    spans = broken_spans(text)
    blanked = text
    for first, last in spans:
        blanked = blank_lines(blanked, first, last)
    kept = [f for f in comparable(text) if f[0] != "SPG000"]
    assert [f[:3] for f in kept] == [f[:3] for f in comparable(blanked)
                                     if f[0] != "SPG000"]


def test_an_unclosed_bracket_breaks_only_up_to_the_next_statement() -> None:
    text = ("import multiprocessing as mp\n\nvalues = [1, 2,\n    3,\n\n"
            "def work():\n    print('w')\n\nmp.Process(target=work).start()\n")
    findings = analyze(text)
    assert [(f.code, f.range.start.line) for f in findings] == [("SPG000", 3), ("SPG101", 9)]
    assert "lines 3-4 are not analysed" in findings[0].message
    assert (findings[0].range.end.line, findings[0].range.end.character) == (4, 6)
    assert_rest_is_analysed(text)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "broken" in str(p)],
                         ids=lambda p: p.name)
def test_typing_an_example_character_by_character(path: Path) -> None:
    """Every prefix of the file as it is typed: no crash, and what parses is analysed."""
    text = path.read_text(encoding="utf-8")
    cache = ChunkCache()
    for end in range(len(text) + 1):
        typed = text[:end]
        with_cache = comparable(typed, parse_cache=cache)
        assert with_cache == comparable(typed)
        if any(f[0] == "SPG000" for f in with_cache):
            assert_rest_is_analysed(typed)


EDIT_TEXTS = st.sampled_from(["", "x", "(", ")", "\n", "    ", ":", "def f(", "\"\"\"", "#",
                              "for b in loader:\n    pass\n", "if __name__ == '__main__':\n",
                              "mp.Process(target=lambda: 1).start()\n", "é😀", "\\\n"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), EDIT_TEXTS), max_size=12),
       st.sampled_from([p for p in EXAMPLES if "broken" in str(p)]))
def test_incremental_analysis_equals_from_scratch(edits: list, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cache = ChunkCache()
    comparable(text, parse_cache=cache)
    for start_fraction, length_fraction, new_text in edits:
        start = int(start_fraction * len(text))
        end = min(len(text), start + int(length_fraction * 40))
        text = text[:start] + new_text + text[end:]
        assert comparable(text, parse_cache=cache) == comparable(text)


def test_cache_reuses_untouched_chunks() -> None:
    text = (ROOT / "examples" / "broken" / "word_count_pool.py").read_text()
    cache = ChunkCache()
    parse_chunks(SourceText(text), cache)
    before = dict(cache.entries)
    edited = text.replace("def ", "def  ", 1)
    parse_chunks(SourceText(edited), cache)
    reused = [key for key in cache.entries if key in before]
    assert len(reused) >= len(cache.entries) - 2


def test_no_fix_but_suppression_while_the_file_does_not_parse() -> None:
    text = "import multiprocessing as mp\nx = (\nmp.Process(target=print).start()\n"
    findings = analyze(text)
    assert [f.code for f in findings] == ["SPG000", "SPG101"]
    assert all(fix.is_suppression for fix in findings[1].fixes)
    assert any(not fix.is_suppression for f in analyze(text.replace("x = (\n", ""))
               for fix in f.fixes)
