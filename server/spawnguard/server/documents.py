"""The open documents: our own copy of each text, kept in step with the client.

pygls keeps a workspace of its own, but it splits lines with `str.splitlines` (which also
breaks at form feeds and U+2028, where Python and LSP do not) and converts columns with its
own code; the server replaces its sync handlers (see `app.py`) and keeps the texts here, so
that incremental edits, diagnostics and code actions agree on every line and column.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from spawnguard.analysis.source import SourceText, chars_to_units
from spawnguard.server.positions import PositionConverter
from spawnguard.server.typing_pause import Edit, edit_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """One version of one text document (immutable: a snapshot for background analysis)."""

    uri: str
    text: str
    version: int | None = None
    language_id: str = "python"
    # The notebook this document is a cell of, if any.
    notebook_uri: str | None = None
    # The change that made this version (None: as opened).
    edit: Edit | None = field(default=None, compare=False)

    @cached_property
    def source(self) -> SourceText:
        return SourceText(self.text)

    @cached_property
    def path(self) -> Path | None:
        return path_of_uri(self.uri)


def path_of_uri(uri: str | None) -> Path | None:
    """The file behind a `file:` URI (None for untitled buffers, notebook cells and others)."""
    if not uri or not uri.startswith("file:"):
        return None
    fs_path = to_fs_path(uri)
    return Path(fs_path) if fs_path else None


def is_inside(source: SourceText, position: types.Position, converter: PositionConverter) -> bool:
    """Whether a client position lies within the text (no clamping needed)."""
    if position.line >= source.line_count:
        return False
    line = source.line(position.line + 1)
    return position.character <= chars_to_units(line, len(line), converter.encoding)


def apply_change(
    text: str,
    change: types.TextDocumentContentChangeEvent,
    converter: PositionConverter,
    report: Callable[[str], None] | None = None,
) -> str:
    """The text after one content change (full text, or a range in the client's encoding)."""
    if isinstance(change, types.TextDocumentContentChangeWholeDocument):
        return change.text
    source = SourceText(text)
    if report is not None and not all(
        is_inside(source, end, converter) for end in (change.range.start, change.range.end)
    ):
        report(f"a change's range {format_range(change.range)} is past the end: clamped")
    range_ = converter.from_lsp_range(source, change.range)
    start, end = source.offset(range_.start), source.offset(range_.end)
    start, end = min(start, end), max(start, end)
    return text[:start] + change.text + text[end:]


def format_range(range_: types.Range) -> str:
    start, end = range_.start, range_.end
    return f"{start.line}:{start.character}-{end.line}:{end.character}"


def log_problem(message: str) -> None:
    logger.warning(message)


@dataclass
class DocumentStore:
    converter: PositionConverter = field(default_factory=PositionConverter)
    # Where messages about invalid or out-of-order document messages go.
    report: Callable[[str], None] = log_problem
    _documents: dict[str, Document] = field(default_factory=dict)

    def open(self, item: types.TextDocumentItem, notebook_uri: str | None = None) -> Document:
        if item.uri in self._documents:
            self.report(f"{item.uri} opened again: its text is replaced by the new one")
        document = Document(item.uri, item.text, item.version, item.language_id, notebook_uri)
        self._documents[item.uri] = document
        return document

    def change(
        self,
        uri: str,
        version: int | None,
        changes: Iterable[types.TextDocumentContentChangeEvent],
    ) -> Document | None:
        document = self._documents.get(uri)
        if document is None:
            self.report(f"change to {uri}, which is not open: dropped")
            return None
        if version is not None and document.version is not None and version < document.version:
            self.report(
                f"change to {uri} with version {version}, older than its version "
                f"{document.version}: dropped"
            )
            return None
        text = document.text
        changes = list(changes)
        for change in changes:
            text = apply_change(text, change, self.converter, lambda m: self.report(f"{uri}: {m}"))
        edit = edit_of(document.text, text, changes, time.monotonic())
        document = Document(uri, text, version, document.language_id, document.notebook_uri, edit)
        self._documents[uri] = document
        return document

    def close(self, uri: str) -> Document | None:
        document = self._documents.pop(uri, None)
        if document is None:
            self.report(f"close of {uri}, which is not open: ignored")
        return document

    def get(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._documents.values()))
