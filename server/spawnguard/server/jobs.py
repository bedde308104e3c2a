"""Analysis jobs: what one analysis of a document or notebook needs, and its cached result.

A snapshot is taken on the event loop; `run` (diagnostics) and `result` (code actions, hover)
execute in a worker thread. Results are remembered per document and reused while the text,
the settings and the project's files are unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from spawnguard import engine
from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.notebook import NotebookAnalysis, analyze_cells
from spawnguard.server.diagnostics import Publication, Snapshot, to_diagnostic
from spawnguard.server.documents import Document
from spawnguard.server.notebooks import CellMap, Notebook
from spawnguard.server.project_files import ProjectEntry
from spawnguard.server.settings import EffectiveSettings

if TYPE_CHECKING:
    from spawnguard.server.app import SpawnguardServer


@dataclass(frozen=True)
class DocumentResult:
    text: str
    settings: EffectiveSettings
    findings: tuple[Finding, ...]
    # `Projects.generation` when analysed: other files' edits since may change the findings.
    generation: int = 0


@dataclass(frozen=True)
class NotebookResult:
    texts: tuple[str, ...]
    settings: EffectiveSettings
    analysis: NotebookAnalysis
    generation: int = 0


@dataclass
class ParseCache:
    """The engine's chunk cache of one document (one analysis uses it at a time)."""

    chunks: ChunkCache = field(default_factory=ChunkCache)
    lock: threading.Lock = field(default_factory=threading.Lock)


def forget_tracebacks(cache: ChunkCache) -> None:
    """Drop the tracebacks of the syntax errors a chunk cache keeps.

    A cached SyntaxError holds its traceback, whose frames hold the parser's locals, among
    them the previous version's cache; so a chunk that stays broken across edits chained
    every version's parses together (about 250 KB per edit on a 200-line file). The errors'
    messages and positions are all the cache needs.
    """
    for entry in cache.entries.values():
        if isinstance(entry, BaseException):
            entry.__traceback__ = None
            entry.__context__ = None


def analyse_text(
    document: Document,
    settings: EffectiveSettings,
    project: ProjectEntry | None,
    parse_cache: ParseCache,
) -> tuple[Finding, ...]:
    if not settings.enable:
        return ()
    path = document.path
    if path is not None and settings.is_excluded(path):
        return ()
    with parse_cache.lock:
        try:
            if project is None:
                return tuple(
                    engine.analyze(
                        document.text, settings=settings.analysis, parse_cache=parse_cache.chunks
                    )
                )
            with project.lock:
                return tuple(
                    engine.analyze(
                        document.text,
                        path=str(path),
                        settings=settings.analysis,
                        project=project.use(),
                        parse_cache=parse_cache.chunks,
                    )
                )
        finally:
            forget_tracebacks(parse_cache.chunks)


def notebook_settings(settings: EffectiveSettings) -> EffectiveSettings:
    return replace(settings, analysis=replace(settings.analysis, notebook=True))


def analyse_notebook(
    notebook_path: Path | None,
    cells: Sequence[Document],
    settings: EffectiveSettings,
    project: ProjectEntry | None = None,
) -> NotebookAnalysis:
    texts = [cell.text for cell in cells]
    if (
        not settings.enable
        or not cells
        or (notebook_path is not None and settings.is_excluded(notebook_path))
    ):
        return analyze_cells([], lambda text: [])
    if project is None or notebook_path is None:
        return analyze_cells(texts, partial(engine.analyze, settings=settings.analysis))
    with project.lock:
        analyze = partial(
            engine.analyze,
            path=str(notebook_path),
            settings=settings.analysis,
            project=project.use(),
        )
        return analyze_cells(texts, analyze)


@dataclass(frozen=True)
class DocumentSnapshot(Snapshot):
    server: SpawnguardServer
    document: Document
    settings: EffectiveSettings
    generation: int = 0

    @property
    def token(self) -> Any:  # type: ignore[override]
        return (id(self.document), self.settings)

    def result(self) -> DocumentResult:
        cached = self.server.results.get(self.document.uri)
        if (
            isinstance(cached, DocumentResult)
            and cached.text == self.document.text
            and cached.settings == self.settings
            and cached.generation == self.generation
        ):
            return cached
        project = self.server.project_for(self.document)
        parse_cache = self.server.parse_cache(self.document.uri)
        findings = analyse_text(self.document, self.settings, project, parse_cache)
        result = DocumentResult(self.document.text, self.settings, findings, self.generation)
        self.server.remember(self.server.results, self.document.uri, result)
        return result

    def run(self) -> list[Publication]:
        findings = self.result().findings
        diagnostic_of = self.server.diagnostic_maker(self.document, self.settings)
        diagnostics = [diagnostic_of(finding) for finding in findings]
        return [Publication(self.document.uri, self.document.version, diagnostics)]


@dataclass(frozen=True)
class NotebookSnapshot(Snapshot):
    server: SpawnguardServer
    notebook: Notebook
    cells: tuple[Document, ...]
    # Every cell of the notebook (markdown too), to clear what no longer applies.
    all_cells: tuple[Document, ...]
    settings: EffectiveSettings
    generation: int = 0

    @property
    def token(self) -> Any:  # type: ignore[override]
        return (tuple(id(cell) for cell in self.all_cells), self.settings)

    def result(self) -> NotebookResult:
        texts = tuple(cell.text for cell in self.cells)
        cached = self.server.results.get(self.notebook.uri)
        if (
            isinstance(cached, NotebookResult)
            and cached.texts == texts
            and cached.settings == self.settings
            and cached.generation == self.generation
        ):
            return cached
        project = self.server.project_at(self.notebook.uri, self.notebook.path)
        analysis = analyse_notebook(self.notebook.path, self.cells, self.settings, project)
        result = NotebookResult(texts, self.settings, analysis, self.generation)
        self.server.remember(self.server.results, self.notebook.uri, result)
        return result

    def cell_map(self, result: NotebookResult) -> CellMap:
        return CellMap(result.analysis.source, self.cells, self.server.converter)

    def run(self) -> list[Publication]:
        result = self.result()
        cell_map = self.cell_map(result)
        by_cell: dict[str, list[types.Diagnostic]] = {cell.uri: [] for cell in self.all_cells}
        for finding in result.analysis.findings:
            uri, _ = cell_map.locate(finding.range)
            diagnostic = to_diagnostic(
                finding, cell_map.locate, self.server.locate_file, result.settings.docs_url
            )
            by_cell.setdefault(uri, []).append(diagnostic)
        versions = {cell.uri: cell.version for cell in self.all_cells}
        return [
            Publication(uri, versions.get(uri), diagnostics) for uri, diagnostics in by_cell.items()
        ]
