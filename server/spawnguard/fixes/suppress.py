"""Suppression fixes: offered for every finding, never applied by `--fix`."""

from __future__ import annotations

from spawnguard.analysis.findings import Fix, Position, Range, TextEdit
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.suppression import SUPPRESSION_COMMENT
from spawnguard.fixes.text import line_end_is_code


def suppression_fixes(source: SourceText, code: str, line: int) -> tuple[Fix, ...]:
    fix = suppress_on_line(source, code, line)
    return (fix,) if fix else ()


def suppress_on_line(source: SourceText, code: str, line: int) -> Fix | None:
    """Add `code` to the line's `# spawnguard: ignore[...]` comment, or append one.

    Not offered where the line ends inside a string or after a backslash continuation: a
    comment there would change the program.
    """
    text = source.line(line)
    title = f"Ignore {code} on this line"
    existing = SUPPRESSION_COMMENT.search(text)
    if existing and existing.group("kind").lower() == "ignore":
        codes_text = existing.group("codes")
        if codes_text is None:
            return None  # already ignores everything
        codes = [c.strip() for c in codes_text.split(",") if c.strip()]
        new_comment = f"# spawnguard: ignore[{', '.join([*codes, code])}]"
        start = existing.start()
        edit = TextEdit(Range(Position(line, start), Position(line, existing.end())), new_comment)
        return Fix(title, (edit,), is_suppression=True)
    if not line_end_is_code(source, line):
        return None
    stripped = text.rstrip()
    separator = "  " if stripped else ""
    comment = f"{separator}# spawnguard: ignore[{code}]"
    end = Position(line, len(text))
    edit = TextEdit(Range(Position(line, len(stripped)), end), comment)
    return Fix(title, (edit,), is_suppression=True)


