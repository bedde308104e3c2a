"""Text facts that fixes need: where multi-line strings are, how the file indents.

Fixes must never change the text of a multi-line string, so every re-indent asks
`string_continuation_lines` first.

The facts come from the ast (a caller that has the tree passes it; otherwise the text is parsed
once), which is several times faster than `tokenize`; only a text that does not parse is
tokenized. A string literal split over lines by implicit concatenation (`"a"` newline `"b"`)
counts as one string here: its inner lines are left alone, which is always safe.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass

from spawnguard.analysis.source import SourceText

_CACHE_SIZE = 64


@dataclass(frozen=True)
class _TextFacts:
    # (first line, last line) of each string literal that spans several lines
    string_spans: tuple[tuple[int, int], ...]
    # lines that begin inside one of them
    continuation: frozenset[int]
    # the indentation of the file's first indented block, if any
    first_indent: str | None


_cache: dict[str, _TextFacts] = {}


def _facts(source: SourceText, tree: ast.Module | None = None) -> _TextFacts:
    facts = _cache.get(source.text)
    if facts is not None:
        return facts
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    spans, first_indent = (
        _from_tree(source, tree) if tree is not None else _from_tokens(source.text)
    )
    continuation = frozenset(line for first, last in spans for line in range(first + 1, last + 1))
    facts = _TextFacts(spans, continuation, first_indent)
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[source.text] = facts
    return facts


def _from_tree(
    source: SourceText, tree: ast.Module
) -> tuple[tuple[tuple[int, int], ...], str | None]:
    spans = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
        ):
            if node.end_lineno and node.end_lineno > node.lineno:
                spans.append((node.lineno, node.end_lineno))
            continue  # an f-string's parts lie inside it
        pending.extend(ast.iter_child_nodes(node))
    return tuple(sorted(spans)), _first_block_indent(source, tree)


def _first_block_indent(source: SourceText, tree: ast.Module) -> str | None:
    """The indentation of the first block written on lines of its own (what the first INDENT
    token would say)."""
    for statement in tree.body:
        if isinstance(statement, ast.Match):
            line = statement.cases[0].pattern.lineno if statement.cases else 0
        else:
            body = getattr(statement, "body", None)
            line = body[0].lineno if isinstance(body, list) and body else 0
        if line > statement.lineno:
            text = source.line(line)
            return text[: len(text) - len(text.lstrip(" \t\f"))] or None
    return None


def _from_tokens(text: str) -> tuple[tuple[tuple[int, int], ...], str | None]:
    """The same facts for a text that does not parse, as far as it tokenizes."""
    spans = []
    first_indent = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                spans.append((token.start[0], token.end[0]))
            elif token.type == getattr(tokenize, "FSTRING_START", -1):
                spans.append((token.start[0], token.start[0]))  # closed by FSTRING_END
            elif token.type == getattr(tokenize, "FSTRING_END", -1) and spans:
                first, _ = spans[-1]
                spans[-1] = (first, token.end[0])
            elif token.type == tokenize.INDENT and first_indent is None:
                first_indent = token.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return tuple((f, last) for f, last in spans if last > f), first_indent


def string_continuation_lines(
    source: SourceText, tree: ast.Module | None = None
) -> frozenset[int]:
    """Lines that begin inside a multi-line string: their text belongs to the string.

    Pass the parsed `tree` of `source.text` when you have it, to spare a parse."""
    return _facts(source, tree).continuation


def line_end_is_code(source: SourceText, line: int) -> bool:
    """True when a comment may be appended to `line` without changing the program."""
    text = source.line(line).rstrip()
    if text.endswith("\\"):
        return False
    return all(not (first <= line < last) for first, last in _facts(source).string_spans)


def indent_unit(source: SourceText, tree: ast.Module | None = None) -> str:
    """The file's indentation step: its first indented block's indentation, else 4 spaces.

    A continuation line inside brackets (aligned under an opening parenthesis) or inside a
    multi-line string does not count as indentation.
    """
    indent = _facts(source, tree).first_indent
    if indent and "\f" in indent:
        # Python restarts counting columns after a form feed: only what follows it indents.
        indent = indent[indent.rindex("\f") + 1 :]
    if indent:
        return "\t" if indent.startswith("\t") else indent
    return "    "
