"""Mutations of real source files, for fuzzing the analyser.

Every operator takes a seeded `random.Random` and a text and returns a new text; `mutate`
stacks a few of them. The same operators drive the bounded fuzz tests and `bench/fuzz.py`, so a
failure found by either replays from its seed (`replay(seed, ...)`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from spawnguard.analysis.apis import WORKER_API_WORDS

Mutation = Callable[[random.Random, str], str]

BRACKETS = "([{)]}"
TOKENS = (
    ":", "(", ")", "[", "]", "{", "}", ",", "\\", "\\\n", "#", "'", '"', '"""', "'''", "f'{",
    "lambda", "lambda:", "def ", "class ", "if ", "else:", "elif", "try:", "except", "with ",
    "for ", "async ", "await ", "yield", "return", "import ", "from . import", "@", "=", "==",
    ":=", "->", "*", "**", "...", "\t", "    ", "\n", "if __name__ == '__main__':\n",
    "mp.Process(target=lambda: 0).start()\n", "for batch in loader:\n    pass\n",
    "# spawnguard: ignore[SPG101]", "# spawnguard: ignore-file", "match x:\n    case 1:\n",
)
ODD_CHARACTERS = (
    "\0", "\r", "\r\n", "\f", "\v", "\x1b", "\ufeff", "\u2028", "\u2029", "\x85", "é", "😀",
    "\u0301", "\u200d", "\u202e", "ℌ", "𝔸", "\U0010ffff", "\ud800", "\udfff", "\udc80",
)
NEWLINES = ("\n", "\r", "\r\n")


def _lines(text: str) -> list[str]:
    """Lines with their endings, so that joining gives the text back."""
    return text.splitlines(keepends=True) or [""]


def _offset(rng: random.Random, text: str) -> int:
    return rng.randint(0, len(text))


def _insert(rng: random.Random, text: str, piece: str) -> str:
    at = _offset(rng, text)
    return text[:at] + piece + text[at:]


# --- line-level ----------------------------------------------------------------------------


def delete_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    start = rng.randrange(len(lines))
    del lines[start : start + rng.randint(1, 4)]
    return "".join(lines)


def duplicate_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 6)]
    at = rng.randint(0, len(lines))
    return "".join([*lines[:at], *block, *lines[at:]])


def swap_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[first], lines[second] = lines[second], lines[first]
    return "".join(lines)


def reindent_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(1, 5)):
        index = rng.randrange(len(lines))
        body = lines[index].lstrip(" \t\f")
        indent = rng.choice(("", " ", "  ", "   ", "\t", " \t", "\t ", "        ", "\f", " " * 17))
        lines[index] = indent + body
    return "".join(lines)


def truncate(rng: random.Random, text: str) -> str:
    """Half-typed: the file cut at a random point."""
    return text[: _offset(rng, text)]


def change_newlines(rng: random.Random, text: str) -> str:
    """Some or all line breaks become `\\r` or `\\r\\n` (mixed endings included)."""
    everywhere = rng.random() < 0.3
    newline = rng.choice(NEWLINES)
    pieces = []
    for line in _lines(text):
        body = line.rstrip("\r\n")
        if body != line and (everywhere or rng.random() < 0.2):
            pieces.append(body + (newline if everywhere else rng.choice(NEWLINES)))
        else:
            pieces.append(line)
    return "".join(pieces)


def splice_seed_lines(seeds: Sequence[str]) -> Mutation:
    """Lines of another seed file pasted in."""

    def splice(rng: random.Random, text: str) -> str:
        other = _lines(rng.choice(seeds))
        start = rng.randrange(len(other))
        block = "".join(other[start : start + rng.randint(1, 12)])
        lines = _lines(text)
        at = rng.randint(0, len(lines))
        return "".join([*lines[:at], block, *lines[at:]])

    return splice


# --- character-level -----------------------------------------------------------------------


def insert_brackets(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        text = _insert(rng, text, rng.choice(BRACKETS) * rng.choice((1, 1, 2, 5)))
    return text


def delete_brackets(rng: random.Random, text: str) -> str:
    positions = [i for i, char in enumerate(text) if char in BRACKETS]
    for index in sorted(rng.sample(positions, min(len(positions), rng.randint(1, 3))),
                        reverse=True):
        text = text[:index] + text[index + 1 :]
    return text


def insert_tokens(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        text = _insert(rng, text, rng.choice(TOKENS))
    return text


# A worker API name right before `(` (no backtracking: the fuzzed lines can be huge). The
# names are the prefilter's own list, so that every spelling it looks for is respelled.
_API_CALL = re.compile(r"\b(?:" + "|".join(sorted(WORKER_API_WORDS, key=len, reverse=True))
                       + r")\(")
CALL_GAPS = (" ", "\f", " \\\n", "\n", "  # a comment (with brackets)\n")


def respell_api_call(rng: random.Random, text: str) -> str:
    """A worker API call written another way Python accepts: a gap (space, form feed,
    backslash continuation, line break, comment) before its `(`, or the callee bound to a name
    first (`=`, an annotation, parentheses, `:=`) and that name called."""
    calls = [match.end() - 1 for match in _API_CALL.finditer(text)]
    if not calls:
        return text
    callee_end = rng.choice(calls)
    if rng.random() < 0.5:
        return text[:callee_end] + rng.choice(CALL_GAPS) + text[callee_end:]
    callee_start = callee_end
    while callee_start > 0 and (text[callee_start - 1].isalnum() or text[callee_start - 1] in "_."):
        callee_start -= 1
    callee = text[callee_start:callee_end]
    line_start = text.rfind("\n", 0, callee_start) + 1
    indent = text[line_start : len(text) - len(text[line_start:].lstrip(" \t"))]
    binding = rng.choice((f"_made = {callee}", f"_made: object = ({callee})",
                          f"(_made := {callee})", f"_made = (\n{indent}    {callee}\n{indent})"))
    return (text[:line_start] + indent + binding + "\n" + text[line_start:callee_start]
            + "_made" + text[callee_end:])


def insert_odd_characters(rng: random.Random, text: str) -> str:
    """NUL, lone surrogates, BOM, `\\f`, `\\r`, Unicode line separators, astral characters."""
    for _ in range(rng.randint(1, 4)):
        text = _insert(rng, text, rng.choice(ODD_CHARACTERS))
    return text


def prefix_bom(rng: random.Random, text: str) -> str:
    return "\ufeff" * rng.randint(1, 2) + text


def delete_span(rng: random.Random, text: str) -> str:
    start = _offset(rng, text)
    return text[:start] + text[start + rng.randint(1, 80) :]


# --- size and depth ------------------------------------------------------------------------


def huge_line(rng: random.Random, text: str) -> str:
    size = rng.choice((5_000, 50_000, 200_000))
    line = rng.choice((
        lambda: "x = '" + "a" * size + "'",
        lambda: "x = [" + "1, " * (size // 3) + "]",
        lambda: "# " + "é😀" * (size // 2),
        lambda: "name_" + "x" * size + " = 1",
        lambda: "call(" + "a, " * (size // 3),  # and never closed
        lambda: "mp.Process(target=work, args=(" + "1, " * (size // 3) + ")).start()",
    ))()
    lines = _lines(text)
    at = rng.randint(0, len(lines))
    return "".join([*lines[:at], line + "\n", *lines[at:]])


DEPTHS = (10, 50, 99, 100, 101, 150, 199, 200, 201, 300, 600, 1000, 5000)


def deep_statement(rng: random.Random, depth: int) -> str:
    """One statement nested `depth` levels deep, in one of the ways code can nest."""
    kind = rng.randrange(DEEP_KINDS)
    if kind == 0:
        return "x = " + "(" * depth + "1" + ")" * depth
    if kind == 1:
        return "x = " + "[" * depth + "]" * depth
    if kind == 2:
        return "x = " + "-" * depth + "1"
    if kind == 3:
        return "x = " + "not " * depth + "y"
    if kind == 4:
        return "x = mp" + ".a" * depth
    if kind == 5:
        return "x = " + " + ".join(["'s'"] * depth)
    if kind == 6:
        return "mp.Process(target=" + "lambda: " * depth + "0).start()"
    if kind == 7:
        return "x = " + "f(" * depth + "1" + ")" * depth
    if kind == 8:
        return "x = pool" + ".f()" * depth
    if kind == 9:
        return "if a:\n    pass\n" + "elif b:\n    pass\n" * depth
    if kind == 10:
        depth = min(depth, 120)  # indentation: the tokenizer stops at 100 levels anyway
        return "".join(" " * i + "if x:\n" for i in range(depth)) + " " * depth + "pass"
    if kind == 11:
        return "x = " + "{'k': " * depth + "1" + "}" * depth
    if kind == 12:
        return "(" * depth + "a" + ",)" * depth + " = b"  # unpacking target
    if kind == 13:
        return "mp" + ".a" * depth + ": int"  # annotated, never assigned
    if kind == 14:
        return "def f(x: " + " + ".join(["1"] * depth) + "):\n    pass"
    return "if " + "not " * depth + "x:\n    pass"  # a module-level if (guard candidate)


DEEP_KINDS = 16


def deep_nesting(rng: random.Random, text: str) -> str:
    statement = deep_statement(rng, rng.choice(DEPTHS))
    lines = _lines(text)
    at = rng.randint(0, len(lines))
    return "".join([*lines[:at], statement + "\n", *lines[at:]])


def many_lines(rng: random.Random, text: str, target: int = 50_000) -> str:
    """The text repeated (each copy renaming nothing) up to about `target` lines."""
    count = max(1, text.count("\n"))
    return text * max(1, target // count)


MUTATIONS: dict[str, Mutation] = {
    "delete_lines": delete_lines,
    "duplicate_lines": duplicate_lines,
    "swap_lines": swap_lines,
    "reindent_lines": reindent_lines,
    "truncate": truncate,
    "change_newlines": change_newlines,
    "insert_brackets": insert_brackets,
    "delete_brackets": delete_brackets,
    "insert_tokens": insert_tokens,
    "insert_odd_characters": insert_odd_characters,
    "prefix_bom": prefix_bom,
    "delete_span": delete_span,
    "huge_line": huge_line,
    "deep_nesting": deep_nesting,
    "respell_api_call": respell_api_call,
}
# Expensive operators are picked less often, so that a budget of cases covers the cheap ones well.
WEIGHTS = {"huge_line": 0.3, "deep_nesting": 0.6, "respell_api_call": 3.0}


@dataclass(frozen=True)
class Case:
    seed: int
    source_name: str
    operators: tuple[str, ...]
    text: str

    def describe(self) -> str:
        return (f"seed {self.seed}: {self.source_name} with {', '.join(self.operators)} "
                f"({len(self.text)} characters)")


def mutated_case(seed: int, seeds: Sequence[tuple[str, str]], max_operators: int = 4) -> Case:
    """The case for `seed`: one seed file with 1..max_operators mutations (replayable)."""
    rng = random.Random(seed)
    name, text = seeds[rng.randrange(len(seeds))]
    splice = splice_seed_lines([t for _, t in seeds])
    names = [*MUTATIONS, "splice"]
    weights = [WEIGHTS.get(n, 1.0) for n in names]
    chosen = rng.choices(names, weights, k=rng.randint(1, max_operators))
    for operator in chosen:
        text = splice(rng, text) if operator == "splice" else MUTATIONS[operator](rng, text)
    return Case(seed, name, tuple(chosen), text)


EDIT_SNIPPETS = (
    "", "x", "(", ")", "[", "]", ":", "\n", "\r\n", "    ", "\t", "#", "'", '"""', "\\\n",
    "def f(", "lambda: ", "for b in loader:\n    pass\n", "if __name__ == '__main__':\n",
    "mp.Process(target=work).start()\n", "Pool(2).map(lambda v: v, [1])\n", "é😀", "\0",
    "\ud800", "\f", "import multiprocessing as mp\n", "class D(Dataset):\n", "else:\n",
)


def random_edit(rng: random.Random, text: str) -> str:
    """One editor change: replace a short span (maybe empty) with a snippet or a typed char."""
    start = _offset(rng, text)
    end = min(len(text), start + rng.choice((0, 0, 1, 3, 12, 60)))
    if rng.random() < 0.4:
        new_text = rng.choice("abcxyz_() :,.=\n\t'\"#[]{}\\")
    else:
        new_text = rng.choice(EDIT_SNIPPETS)
    return text[:start] + new_text + text[end:]


def edit_sequence(seed: int, seeds: Sequence[tuple[str, str]], length: int = 12) -> list[str]:
    """The successive versions of one document under `length` random edits (first: the seed)."""
    rng = random.Random(seed)
    _, text = seeds[rng.randrange(len(seeds))]
    versions = [text]
    for _ in range(length):
        text = random_edit(rng, text)
        versions.append(text)
    return versions


# --- the same troublemakers as a hypothesis strategy ---------------------------------------


def composed_texts(lines: Sequence[str]) -> st.SearchStrategy[str]:
    """Texts made of real `lines`, tokens, odd characters and random text, each with a random
    indentation, joined with one kind of line break."""
    fragment = st.one_of(st.sampled_from(sorted(set(lines))), st.sampled_from(TOKENS),
                         st.sampled_from(ODD_CHARACTERS), st.text(max_size=8))
    indent = st.sampled_from(["", "", "    ", "\t", "  ", "\f"])

    @st.composite
    def compose(draw: st.DrawFn) -> str:
        pieces = draw(st.lists(st.tuples(indent, fragment), max_size=30))
        newline = draw(st.sampled_from(NEWLINES))
        return "".join(space + piece.replace("\n", newline) for space, piece in pieces)

    return compose()
