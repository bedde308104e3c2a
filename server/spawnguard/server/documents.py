"""The open documents: our own copy of each text, kept in step with the client.

pygls keeps a workspace of its own, but it splits lines with `str.splitlines` (which also
breaks at form feeds and U+2028, where Python and LSP do not) and converts columns with its
own code; the server replaces its sync handlers (see `app.py`) and keeps the texts here, so
that incremental edits, diagnostics and code actions agree on every line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from spawnguard.analysis.source import SourceText
from spawnguard.server.positions import PositionConverter


@dataclass(frozen=True)
class Document:
    """One version of one text document (immutable: a snapshot for background analysis)."""

    uri: str
    text: str
    version: int | None = None
    language_id: str = "python"
    # The notebook this document is a cell of, if any.
    notebook_uri: str | None = None

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


def apply_change(
    text: str, change: types.TextDocumentContentChangeEvent, converter: PositionConverter
) -> str:
    """The text after one content change (full text, or a range in the client's encoding)."""
    if isinstance(change, types.TextDocumentContentChangeWholeDocument):
        return change.text
    source = SourceText(text)
    range_ = converter.from_lsp_range(source, change.range)
    start, end = source.offset(range_.start), source.offset(range_.end)
    start, end = min(start, end), max(start, end)
    return text[:start] + change.text + text[end:]


@dataclass
class DocumentStore:
    converter: PositionConverter = field(default_factory=PositionConverter)
    _documents: dict[str, Document] = field(default_factory=dict)

    def open(self, item: types.TextDocumentItem, notebook_uri: str | None = None) -> Document:
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
            return None
        text = document.text
        for change in changes:
            text = apply_change(text, change, self.converter)
        document = Document(uri, text, version, document.language_id, document.notebook_uri)
        self._documents[uri] = document
        return document

    def close(self, uri: str) -> Document | None:
        return self._documents.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._documents.values()))
