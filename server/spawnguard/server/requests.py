"""Code action and hover requests: the document's current analysis, turned into answers.

The analysis comes from the cache when it is current, else from a worker thread; building
the answer ("Fix all" runs the fixer, hover asks jedi) also runs off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from spawnguard import engine
from spawnguard.analysis.findings import Finding, Fix, NewFile, Range, TextEdit
from spawnguard.server.code_actions import FIX_ALL_TITLE, ActionRequest, minimal_edit
from spawnguard.server.diagnostics import to_diagnostic
from spawnguard.server.documents import Document
from spawnguard.server.hover import hover_markdown, jedi_section, model_facts
from spawnguard.server.jobs import (
    DocumentResult,
    DocumentSnapshot,
    NotebookResult,
    NotebookSnapshot,
)

if TYPE_CHECKING:
    from spawnguard.server.app import SpawnguardServer


async def current_result(ls: SpawnguardServer, key: str) -> DocumentResult | NotebookResult | None:
    snapshot = ls.snapshot_of(key)
    if snapshot is None:
        return None
    assert isinstance(snapshot, (DocumentSnapshot, NotebookSnapshot))
    return await asyncio.get_running_loop().run_in_executor(ls.executor, snapshot.result)


async def action_request(
    ls: SpawnguardServer, params: types.CodeActionParams
) -> ActionRequest | None:
    uri = params.text_document.uri
    only = [str(getattr(kind, "value", kind)) for kind in params.context.only or ()] or None
    document = ls.documents.get(uri)
    if document is None:
        return None
    loop = asyncio.get_running_loop()
    notebook = ls.notebooks.of_cell(uri)
    if notebook is None:
        result = await current_result(ls, uri)
        if not isinstance(result, DocumentResult):
            return None
        source = document.source

        def map_edit(edit: TextEdit) -> tuple[str, types.TextEdit]:
            return uri, types.TextEdit(ls.converter.to_lsp_range(source, edit.range), edit.new_text)

        return ActionRequest(
            findings=result.findings,
            requested=ls.converter.from_lsp_range(source, params.range),
            only=only,
            diagnostic_of=ls.diagnostic_maker(document, result.settings),
            map_edit=map_edit,
            version_of=ls.version_of,
            document_changes=ls.uses_document_changes(),
            fix_all=lambda: fix_all(ls, document, result),
            new_file_uri=partial(new_file_uri, document.path),
            can_create_files=ls.can_create_files(),
        )
    snapshot = ls.snapshot_of(notebook.uri)
    if not isinstance(snapshot, NotebookSnapshot):
        return None
    result = await loop.run_in_executor(ls.executor, snapshot.result)
    cell_map = snapshot.cell_map(result)
    index = cell_map.cell_index(uri)
    if index is None:
        return None
    cell_range = ls.converter.from_lsp_range(document.source, params.range)
    source = result.analysis.source
    requested = Range(
        source.from_cell_position(index, cell_range.start),
        source.from_cell_position(index, cell_range.end),
    )
    return ActionRequest(
        findings=result.analysis.findings,
        requested=requested,
        only=only,
        diagnostic_of=lambda f: to_diagnostic(
            f, cell_map.locate, ls.locate_file, result.settings.docs_url
        ),
        map_edit=cell_map.map_edit,
        version_of=ls.version_of,
        document_changes=ls.uses_document_changes(),
        fix_all=lambda: notebook_fix_all(result),
        new_file_uri=partial(new_file_uri, notebook.path),
        can_create_files=ls.can_create_files(),
    )


def fix_all(ls: SpawnguardServer, document: Document, result: DocumentResult) -> Fix | None:
    """`spawnguard check --fix` for this text, as one minimal edit (remembered per text)."""
    if not any(finding.preferred_fix for finding in result.findings):
        return None
    remembered = ls.fix_all_results.get(document.uri)
    if remembered is not None and remembered[0] is result:
        return remembered[1]
    path = document.path
    project = ls.project_for(document)
    if project is None:
        fixed = engine.fix_text(document.text, settings=result.settings.analysis)
    else:
        with project.lock:
            fixed = engine.fix_text(
                document.text,
                path=str(path),
                settings=result.settings.analysis,
                project=project.use(),
            )
    fix = as_one_fix(document.text, fixed)
    ls.remember(ls.fix_all_results, document.uri, (result, fix))
    return fix


def notebook_fix_all(result: NotebookResult) -> Fix | None:
    """Fix all in a notebook: offered when the fixed text differs inside one cell only."""
    if not any(finding.preferred_fix for finding in result.analysis.findings):
        return None
    source = result.analysis.source
    return as_one_fix(source.text, engine.fix_text(source.text, settings=result.settings.analysis))


def as_one_fix(text: str, fixed: engine.FixResult) -> Fix | None:
    edit = minimal_edit(text, fixed.text)
    if edit is None:
        return None
    new_files = tuple(NewFile(name, new_text) for name, new_text in fixed.new_files)
    return Fix(FIX_ALL_TITLE, (edit,), new_files=new_files)


def new_file_uri(analysed: Path | None, name: str) -> str | None:
    """Where a fix's new module goes: beside the analysed file (a file on disk only)."""
    if analysed is None or "/" in name or "\\" in name:
        return None
    return (analysed.parent / name).as_uri()


async def hover_text(ls: SpawnguardServer, uri: str, lsp_position: types.Position) -> str | None:
    document = ls.documents.get(uri)
    if document is None:
        return None
    position = ls.converter.from_lsp_position(document.source, lsp_position)
    notebook = ls.notebooks.of_cell(uri)
    loop = asyncio.get_running_loop()
    if notebook is None:
        result = await current_result(ls, uri)
        if not isinstance(result, DocumentResult):
            return None
        findings: Sequence[Finding] = result.findings
        combined_position = position
        text = document.text
        settings = result.settings
        path = document.path
        jedi_path = path
    else:
        snapshot = ls.snapshot_of(notebook.uri)
        if not isinstance(snapshot, NotebookSnapshot):
            return None
        notebook_result = await loop.run_in_executor(ls.executor, snapshot.result)
        index = snapshot.cell_map(notebook_result).cell_index(uri)
        if index is None:
            return None
        source = notebook_result.analysis.source
        findings = notebook_result.analysis.findings
        combined_position = source.from_cell_position(index, position)
        text = source.text
        settings = notebook_result.settings
        path = notebook.path
        jedi_path = None  # the joined cells are no file jedi could find next to others
    if not settings.enable:
        return None
    facts_path = str(path) if path else None
    facts = await loop.run_in_executor(
        ls.executor, model_facts, text, facts_path, settings.analysis, combined_position
    )
    _, root = ls.editor_settings_for(uri)
    symbol = await loop.run_in_executor(
        ls.executor, jedi_section, text, jedi_path, combined_position, settings.interpreter, root
    )
    return hover_markdown(findings, combined_position, facts, symbol, settings.docs_url)
