"""Notebook document sync: the open notebooks, their cells, and where findings land.

A notebook's Python code cells are analysed together as one module (see
`spawnguard.analysis.notebook`) with `AnalysisSettings(notebook=True)`; each finding is
published on the cell and line it belongs to, every other cell gets an empty list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from spawnguard.analysis.findings import Range, TextEdit
from spawnguard.analysis.notebook import NotebookSource
from spawnguard.server.documents import Document, DocumentStore, path_of_uri
from spawnguard.server.positions import PositionConverter

NOTEBOOK_TYPE = "jupyter-notebook"


@dataclass
class Notebook:
    uri: str
    notebook_type: str
    version: int
    cells: list[types.NotebookCell] = field(default_factory=list)

    @property
    def path(self) -> Path | None:
        return path_of_uri(self.uri)


@dataclass
class NotebookStore:
    documents: DocumentStore
    _notebooks: dict[str, Notebook] = field(default_factory=dict)
    _notebook_of_cell: dict[str, str] = field(default_factory=dict)

    def open(self, params: types.DidOpenNotebookDocumentParams) -> Notebook:
        document = params.notebook_document
        notebook = Notebook(
            document.uri, document.notebook_type, document.version, list(document.cells)
        )
        self._notebooks[notebook.uri] = notebook
        for cell in params.cell_text_documents:
            self._open_cell(cell, notebook.uri)
        return notebook

    def change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> tuple[Notebook | None, list[str]]:
        """Apply a change; returns the notebook and the URIs of cells that went away."""
        notebook = self._notebooks.get(params.notebook_document.uri)
        if notebook is None:
            return None, []
        notebook.version = params.notebook_document.version
        removed: list[str] = []
        cells = params.change.cells
        if cells is None:
            return notebook, removed
        if cells.structure is not None:
            array = cells.structure.array
            notebook.cells[array.start : array.start + array.delete_count] = list(array.cells or ())
            for opened in cells.structure.did_open or ():
                self._open_cell(opened, notebook.uri)
            for closed in cells.structure.did_close or ():
                self.documents.close(closed.uri)
                self._notebook_of_cell.pop(closed.uri, None)
                removed.append(closed.uri)
        by_document = {cell.document: index for index, cell in enumerate(notebook.cells)}
        for data in cells.data or ():
            if (index := by_document.get(data.document)) is not None:
                notebook.cells[index] = data
        for content in cells.text_content or ():
            self.documents.change(content.document.uri, content.document.version, content.changes)
        return notebook, removed

    def close(self, params: types.DidCloseNotebookDocumentParams) -> list[str]:
        """Forget a notebook; returns the URIs of its cells."""
        notebook = self._notebooks.pop(params.notebook_document.uri, None)
        uris = [cell.document for cell in notebook.cells] if notebook else []
        uris += [cell.uri for cell in params.cell_text_documents if cell.uri not in uris]
        for uri in uris:
            self.documents.close(uri)
            self._notebook_of_cell.pop(uri, None)
        return uris

    def get(self, uri: str) -> Notebook | None:
        return self._notebooks.get(uri)

    def of_cell(self, cell_uri: str) -> Notebook | None:
        notebook_uri = self._notebook_of_cell.get(cell_uri)
        return self._notebooks.get(notebook_uri) if notebook_uri else None

    def code_cells(self, notebook: Notebook) -> list[Document]:
        """The notebook's Python code cells, in order."""
        cells = []
        for cell in notebook.cells:
            if cell.kind != types.NotebookCellKind.Code:
                continue
            document = self.documents.get(cell.document)
            if document is not None and document.language_id in ("python", ""):
                cells.append(document)
        return cells

    def __iter__(self) -> Iterator[Notebook]:
        return iter(list(self._notebooks.values()))

    def _open_cell(self, item: types.TextDocumentItem, notebook_uri: str) -> None:
        self.documents.open(item, notebook_uri=notebook_uri)
        self._notebook_of_cell[item.uri] = notebook_uri


@dataclass(frozen=True)
class CellMap:
    """Combined-source coordinates ⇄ (cell URI, LSP range) for one analysed notebook version."""

    source: NotebookSource
    cells: tuple[Document, ...]
    converter: PositionConverter

    def locate(self, range_: Range) -> tuple[str, types.Range]:
        index, cell_range = self.source.to_cell_range(range_)
        cell = self.cells[index]
        return cell.uri, self.converter.to_lsp_range(cell.source, cell_range)

    def map_edit(self, edit: TextEdit) -> tuple[str, types.TextEdit] | None:
        located = self.source.edit_in_one_cell(edit.range)
        if located is None:
            return None
        index, cell_range = located
        cell = self.cells[index]
        if "\n" in edit.new_text and cell.source.newline != "\n":
            new_text = edit.new_text.replace("\n", cell.source.newline)
        else:
            new_text = edit.new_text
        return cell.uri, types.TextEdit(
            self.converter.to_lsp_range(cell.source, cell_range), new_text
        )

    def cell_index(self, uri: str) -> int | None:
        return next((i for i, cell in enumerate(self.cells) if cell.uri == uri), None)
