"""LSP positions ⇄ the core's positions, in the position encoding negotiated at `initialize`.

The core speaks 1-based lines and code-point columns; LSP speaks 0-based lines and columns
in UTF-16 code units (the default), UTF-8 bytes or UTF-32 code points. The column arithmetic
is `spawnguard.analysis.source`'s; this module only adds the line offset and clamping.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from spawnguard.analysis.findings import Position, Range
from spawnguard.analysis.source import SourceText, chars_to_units, units_to_chars

ENCODINGS = ("utf-8", "utf-16", "utf-32")


@dataclass(frozen=True)
class PositionConverter:
    encoding: str = "utf-16"  # "utf-8" | "utf-16" | "utf-32"

    @classmethod
    def for_kind(cls, kind: types.PositionEncodingKind | str | None) -> PositionConverter:
        value = getattr(kind, "value", kind)
        return cls(value if value in ENCODINGS else "utf-16")

    def to_lsp_position(self, source: SourceText, position: Position) -> types.Position:
        if position.line > source.line_count:
            position = source.end_position()
        line = max(position.line, 1)
        text = source.line(line)
        character = min(max(position.character, 0), len(text))
        return types.Position(line - 1, chars_to_units(text, character, self.encoding))

    def to_lsp_range(self, source: SourceText, range_: Range) -> types.Range:
        return types.Range(
            self.to_lsp_position(source, range_.start), self.to_lsp_position(source, range_.end)
        )

    def from_lsp_position(self, source: SourceText, position: types.Position) -> Position:
        """A client position in the core's terms, clamped to the text (as LSP asks)."""
        if position.line >= source.line_count:
            return source.end_position()
        line = position.line + 1
        return Position(line, units_to_chars(source.line(line), position.character, self.encoding))

    def from_lsp_range(self, source: SourceText, range_: types.Range) -> Range:
        return Range(
            self.from_lsp_position(source, range_.start),
            self.from_lsp_position(source, range_.end),
        )
