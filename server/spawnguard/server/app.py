"""The language server: LSP handlers wired to the documents, settings and analysis modules.

Handlers stay short: they update state and hand work to the scheduler (diagnostics) or to a
worker thread (code actions, hover). Every analysis goes through `spawnguard.engine`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cattrs import ClassValidationError, transform_error
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from spawnguard import __version__
from spawnguard.analysis.findings import Finding, Fix, Range
from spawnguard.server.code_actions import (
    FIX_ALL_KIND,
    code_actions,
)
from spawnguard.server.diagnostics import (
    AnalysisScheduler,
    Publication,
    Snapshot,
    file_locator,
    text_locator,
    to_diagnostic,
)
from spawnguard.server.documents import Document, DocumentStore, path_of_uri
from spawnguard.server.indexing import Indexing, Progress, index_in_background
from spawnguard.server.jobs import (
    DocumentResult,
    DocumentSnapshot,
    NotebookResult,
    NotebookSnapshot,
    ParseCache,
    notebook_settings,
)
from spawnguard.server.notebooks import NOTEBOOK_TYPE, NotebookStore
from spawnguard.server.positions import PositionConverter
from spawnguard.server.project_files import ProjectEntry, Projects
from spawnguard.server.requests import action_request, hover_text
from spawnguard.server.settings import (
    SECTION,
    EditorSettings,
    EffectiveSettings,
    FilesystemCache,
    ParsedSettings,
    parse_editor_settings,
    resolve_settings,
    unwrap_initialization_options,
)

logger = logging.getLogger(__name__)
# How long the first analysis waits for the client's `workspace/configuration` answer.
CONFIGURATION_TIMEOUT = 5.0


# What `structure_message` hands on for a message it could not read (answered and logged).
_UNREADABLE = object()


class SpawnguardProtocol(LanguageServerProtocol):
    """pygls' protocol, minus its own document bookkeeping (see `documents.py`), and with an
    answer for every request: pygls drops a request whose params do not fit its method
    (missing, wrong type, negative position) after logging to stderr, and the client waits
    forever; here it gets the error (InvalidParams, or InternalError for methods without a
    type) and the editor's log gets a line."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            if "id" in data and method is not None:
                self._send_response(data["id"], error=error.to_response_error())
            kind = "request" if "id" in data else "message"
            cause = error.__cause__
            reason = (
                "; ".join(transform_error(cause))
                if isinstance(cause, ClassValidationError)
                else (cause or error)
            )
            self._server.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Warning,
                    message=f"spawnguard: ignored a malformed {kind} {method!r}: {reason}",
                )
            )
            return _UNREADABLE

    def handle_message(self, message: Any) -> None:
        if message is _UNREADABLE:
            return
        super().handle_message(message)

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls (2.1.1) files the future of every asynchronous or generator handler under
        `msg_id` so that a request can be cancelled, but removes it only for requests: each
        `didOpen`/`didChange`/`didClose` (generator handlers here) and each handler they
        delegate to left one future behind, about 1.5 KB per edit for the life of the
        server. Remove it when it is done, whatever the message was; except when cancelled:
        `shutdown` cancels while it iterates over the table, and a concurrent future runs
        its callbacks inside `cancel()`."""

        def forget_then_call_back(future: Any) -> None:
            if not future.cancelled() and self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, forget_then_call_back, args, kwargs)

    def _user_handler(self, method: str, params: Any) -> Any:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(self, params: types.DidCloseNotebookDocumentParams) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)


# --- the server --------------------------------------------------------------------------------


class SpawnguardServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "spawnguard",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook=NOTEBOOK_TYPE,
                        cells=[types.NotebookCellLanguage(language="python")],
                    )
                ],
                save=True,
            ),
            protocol_cls=SpawnguardProtocol,
        )
        self.converter = PositionConverter()
        self.documents = DocumentStore(self.converter, report=self.report_document_problem)
        self.notebooks = NotebookStore(self.documents)
        self.filesystem = FilesystemCache()
        self.projects = Projects(self.open_path_text, on_created=self.start_indexing)
        self.indexing = Indexing()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.parse_caches: dict[str, ParseCache] = {}
        # Per-document caches are filled from worker threads and emptied on close: the lock
        # keeps an analysis that finishes after the close from filling them again.
        self.cache_lock = threading.Lock()
        self.global_settings = EditorSettings()
        self.folder_settings: dict[str, EditorSettings] = {}
        self.results: dict[str, DocumentResult | NotebookResult] = {}
        self.fix_all_results: dict[str, tuple[DocumentResult, Fix | None]] = {}
        self.shown_problems: set[str] = set()
        self.configuration_ready = asyncio.Event()
        # The process's exit code is 0 only after a `shutdown` request (LSP's `exit`).
        self.shutdown_requested = False
        self.waiting_for_configuration: set[str] = set()
        # Analyses are CPU-bound and hold the GIL; two threads keep one slow jedi hover
        # from delaying diagnostics.
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spawnguard")
        self.scheduler = AnalysisScheduler(
            snapshot_of=self.snapshot_of,
            publish=self.publish,
            executor=self.executor,
            report_error=self.analysis_failed,
        )

    # --- errors and messages ------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log, never pop up: an error in one handler must not disturb the user."""
        self.log(types.MessageType.Error, f"spawnguard: internal error ({source}): {error!r}")

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_document_problem(self, message: str) -> None:
        self.log(types.MessageType.Warning, f"spawnguard: {message}")

    def analysis_failed(self, key: str, error: BaseException) -> None:
        details = "".join(traceback.format_exception(error))
        self.log(types.MessageType.Error, f"spawnguard: analysis of {key} failed:\n{details}")
        notebook = self.notebooks.get(key)
        uris = [cell.document for cell in notebook.cells] if notebook else [key]
        for uri in uris:
            document = self.documents.get(uri)
            self.publish(Publication(uri, document.version if document else None, []))

    def show_problems(self, problems: Sequence[str]) -> None:
        """One message per new set of problems, naming each bad setting."""
        fresh = [problem for problem in problems if problem not in self.shown_problems]
        if not fresh:
            return
        self.shown_problems.update(fresh)
        message = "spawnguard: invalid settings (defaults apply): " + "; ".join(fresh)
        self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, message))

    # --- settings -----------------------------------------------------------------------------

    def apply_editor_settings(self, parsed: ParsedSettings, folder: str | None = None) -> None:
        if folder is None:
            self.global_settings = parsed.settings
        else:
            self.folder_settings[folder] = parsed.settings
        if parsed.unknown_keys:
            self.log(
                types.MessageType.Info,
                f"spawnguard: unknown settings ignored: {', '.join(parsed.unknown_keys)}",
            )
        self.show_problems(parsed.problems)

    def editor_settings_for(self, uri: str) -> tuple[EditorSettings, Path | None]:
        best = max(
            (folder for folder in self.folder_settings if uri.startswith(folder.rstrip("/") + "/")),
            key=len,
            default=None,
        )
        if best is not None:
            return self.folder_settings[best], path_of_uri(best)
        roots = [folder for folder in self.workspace_folders() if uri.startswith(folder + "/")]
        root = max(roots, key=len) if roots else None
        return self.global_settings, path_of_uri(root) if root else None

    def workspace_folders(self) -> list[str]:
        try:
            workspace = self.workspace
        except RuntimeError:
            return []
        folders = [folder.uri.rstrip("/") for folder in workspace.folders.values()]
        if workspace.root_uri:
            folders.append(workspace.root_uri.rstrip("/"))
        return folders

    def effective_settings(self, uri: str, path: Path | None) -> EffectiveSettings:
        editor, root = self.editor_settings_for(uri)
        settings = resolve_settings(editor, path, root, self.filesystem)
        if settings.filesystem_error:
            self.show_problems([settings.filesystem_error])
        return settings

    async def pull_configuration(self) -> None:
        """Ask the client for the `spawnguard` section, globally and per workspace folder."""
        folders = [folder.uri for folder in self.workspace.folders.values()]
        items = [types.ConfigurationItem(section=SECTION)]
        items += [types.ConfigurationItem(scope_uri=uri, section=SECTION) for uri in folders]
        try:
            values = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)),
                CONFIGURATION_TIMEOUT,
            )
        except Exception as error:
            self.log(
                types.MessageType.Warning, f"spawnguard: workspace/configuration failed: {error!r}"
            )
            return
        if not values:
            return
        if values[0] is not None:
            self.apply_editor_settings(parse_editor_settings(values[0]))
        for uri, value in zip(folders, values[1:], strict=False):
            if value is not None:
                self.apply_editor_settings(parse_editor_settings(value), folder=uri)

    def supports_configuration(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace and workspace.configuration)

    # --- scheduling ---------------------------------------------------------------------------

    def snapshot_of(self, key: str) -> Snapshot | None:
        notebook = self.notebooks.get(key)
        if notebook is not None:
            all_cells = tuple(
                d for c in notebook.cells if (d := self.documents.get(c.document)) is not None
            )
            settings = notebook_settings(self.effective_settings(key, notebook.path))
            code_cells = tuple(self.notebooks.code_cells(notebook))
            generation = self.projects.generation
            return NotebookSnapshot(self, notebook, code_cells, all_cells, settings, generation)
        document = self.documents.get(key)
        if document is None or document.notebook_uri is not None:
            return None
        settings = self.effective_settings(key, document.path)
        return DocumentSnapshot(self, document, settings, self.projects.generation)

    def analyse_soon(self, key: str) -> None:
        if not self.configuration_ready.is_set():
            self.waiting_for_configuration.add(key)
            return
        self.scheduler.schedule(key)

    def analyse_all(self) -> None:
        for document in self.documents:
            if document.notebook_uri is None:
                self.analyse_soon(document.uri)
        for notebook in self.notebooks:
            self.analyse_soon(notebook.uri)

    def configuration_arrived(self) -> None:
        self.configuration_ready.set()
        waiting, self.waiting_for_configuration = self.waiting_for_configuration, set()
        for key in waiting:
            self.scheduler.schedule(key)

    def publish(self, publication: Publication) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=publication.uri,
                diagnostics=list(publication.diagnostics),
                version=publication.version,
            )
        )

    def lint_on_change(self, key: str) -> bool:
        editor, _ = self.editor_settings_for(key)
        return editor.lint_on_change

    # --- conversions for one document ---------------------------------------------------------

    def parse_cache(self, uri: str) -> ParseCache:
        with self.cache_lock:
            cache = self.parse_caches.get(uri)
            if cache is None:
                cache = ParseCache()
                if self.is_open(uri):
                    self.parse_caches[uri] = cache
            return cache

    def is_open(self, uri: str) -> bool:
        return self.documents.get(uri) is not None or self.notebooks.get(uri) is not None

    def remember(self, cache: dict[str, Any], uri: str, value: Any) -> None:
        """Keep `value` in one of the per-document caches, unless `uri` has been closed."""
        with self.cache_lock:
            if self.is_open(uri):
                cache[uri] = value

    def forget(self, uri: str) -> None:
        with self.cache_lock:
            self.results.pop(uri, None)
            self.fix_all_results.pop(uri, None)
            self.parse_caches.pop(uri, None)

    def project_for(self, document: Document) -> ProjectEntry | None:
        return self.project_at(document.uri, document.path)

    def project_at(self, uri: str, path: Path | None) -> ProjectEntry | None:
        """The project a file on disk belongs to (its workspace folder, else its folder),
        once its index is ready: until then the file is analysed on its own."""
        if path is None:
            return None
        _, root = self.editor_settings_for(uri)
        entry = self.projects.for_root(root or path.parent)
        return entry if entry.ready.is_set() else None

    # --- the project index (see `indexing`) ---------------------------------------------------

    def start_indexing(self, entry: ProjectEntry) -> None:
        """Called from any thread when a project is first used."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(
                lambda: asyncio.ensure_future(index_in_background(entry, self.indexing, self)))

    def progress_supported(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    async def create_progress(self, token: str) -> None:
        await self.work_done_progress.create_async(token)

    def send_progress(self, token: str, value: Progress) -> None:
        if isinstance(value, types.WorkDoneProgressBegin):
            self.work_done_progress.begin(token, value)
        elif isinstance(value, types.WorkDoneProgressReport):
            self.work_done_progress.report(token, value)
        else:
            self.work_done_progress.end(token, value)

    def progress_cancelled(self, token: str) -> bool:
        future = self.work_done_progress.tokens.get(token)
        return future is not None and future.cancelled()

    def notify_indexing(self, kind: types.MessageType, message: str, show: bool) -> None:
        self.log(kind, message)
        if show:
            self.window_show_message(types.ShowMessageParams(kind, message))

    def index_ready(self, entry: ProjectEntry) -> None:
        """The cross-module findings can be published now: the open documents of the folder
        that import a module that hands out workers are analysed again (the others' findings
        stay as published)."""
        self.projects.generation += 1
        texts: dict[str, tuple[str, Path]] = {
            d.uri: (d.text, d.path) for d in self.documents
            if d.notebook_uri is None and d.path is not None and d.path.is_relative_to(entry.root)}
        for notebook in self.notebooks:
            if notebook.path is not None and notebook.path.is_relative_to(entry.root):
                cells = "\n".join(cell.text for cell in self.notebooks.code_cells(notebook))
                texts[notebook.uri] = (cells, notebook.path)

        def affected() -> list[str]:
            with entry.lock:
                project = entry.use()
                return [uri for uri, (text, path) in texts.items()
                        if project.may_matter_to(text, str(path))]

        def schedule(future: Any) -> None:
            for uri in future.result():
                self.analyse_soon(uri)

        self.executor.submit(affected).add_done_callback(
            lambda future: self.loop.call_soon_threadsafe(schedule, future)
            if self.loop is not None else None)

    def analyse_dependents(self, paths: Sequence[Path]) -> None:
        """After files changed on disk: the open documents that are those files or import
        them (through the index's reverse edges), not every open document."""
        affected = {str(p) for p in paths}
        for entry in self.projects.entries():
            for path in paths:
                affected |= entry.dependents(str(path))
        for document in self.documents:
            if document.notebook_uri is None and document.path is not None \
                    and str(document.path) in affected:
                self.analyse_soon(document.uri)
        for notebook in self.notebooks:
            self.analyse_soon(notebook.uri)  # notebooks import modules too; they are few

    def open_path_text(self, path: str) -> str | None:
        return self.open_text(from_fs_path(path) or "")

    def open_text(self, uri: str) -> str | None:
        document = self.documents.get(uri)
        return document.text if document else None

    @property
    def locate_file(self) -> Callable[[str, Range], types.Location]:
        return file_locator(self.converter, self.open_text)

    def diagnostic_maker(
        self, document: Document, settings: EffectiveSettings
    ) -> Callable[[Finding], types.Diagnostic]:
        locate = text_locator(document.uri, document.source, self.converter)
        locate_file = self.locate_file
        return lambda finding: to_diagnostic(finding, locate, locate_file, settings.docs_url)

    def uses_document_changes(self) -> bool:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit and edit.document_changes)

    def can_create_files(self) -> bool:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        operations = (edit.resource_operations if edit else None) or ()
        return types.ResourceOperationKind.Create in operations

    def version_of(self, uri: str) -> int | None:
        document = self.documents.get(uri)
        return document.version if document else None


# --- handlers ----------------------------------------------------------------------------------


def build_server() -> SpawnguardServer:
    server = SpawnguardServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: SpawnguardServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        ls.converter = PositionConverter.for_kind(ls.workspace.position_encoding)
        ls.documents.converter = ls.converter
        options = unwrap_initialization_options(params.initialization_options)
        try:
            ls.apply_editor_settings(parse_editor_settings(options))
        except Exception as error:  # a bug here must not stop the server from starting
            ls.log(types.MessageType.Error, f"spawnguard: cannot read the settings: {error!r}")

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: SpawnguardServer, params: None) -> None:
        ls.shutdown_requested = True
        ls.indexing.stop()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: SpawnguardServer, params: types.InitializedParams) -> None:
        try:
            if ls.supports_configuration():
                await ls.pull_configuration()
        finally:
            ls.configuration_arrived()
        # The workspace folders' indexes start now, before a file is opened.
        for folder in ls.workspace_folders():
            path = path_of_uri(folder)
            if path is not None and path.is_dir():
                ls.projects.for_root(path)
        await register_watchers(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: SpawnguardServer, params: types.DidChangeConfigurationParams
    ) -> None:
        ls.shown_problems.clear()  # a setting broken again deserves a message again
        if ls.supports_configuration():
            await ls.pull_configuration()
        else:
            raw = params.settings
            if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
                raw = raw[SECTION]
            ls.apply_editor_settings(parse_editor_settings(raw))
        ls.analyse_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(
        ls: SpawnguardServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        # pygls has updated its folder list; removed folders' settings go, new ones are asked.
        for folder in params.event.removed:
            ls.folder_settings.pop(folder.uri, None)
        if ls.supports_configuration():
            await ls.pull_configuration()
        ls.analyse_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: SpawnguardServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.filesystem.clear()
        created_or_deleted = any(
            change.type != types.FileChangeType.Changed for change in params.changes
        )
        paths = [p for change in params.changes if (p := path_of_uri(change.uri)) is not None]
        ls.projects.file_changed([str(p) for p in paths], created_or_deleted=created_or_deleted)
        if created_or_deleted or any(p.name == "pyproject.toml" for p in paths):
            ls.analyse_all()
        else:
            ls.analyse_dependents(paths)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SpawnguardServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.documents.open(params.text_document)
        changed_paths(ls, params.text_document.uri)  # the buffer may differ from the disk
        ls.analyse_soon(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SpawnguardServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.documents.change(uri, params.text_document.version, params.content_changes)
        # Other files' findings may depend on this one (imports): they see it on their next
        # analysis, and its importers are re-analysed when it is saved.
        changed_paths(ls, uri)
        if document is not None and ls.lint_on_change(uri):
            ls.analyse_soon(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: SpawnguardServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/pyproject.toml"):
            ls.filesystem.clear()
            ls.projects.file_changed()
            ls.analyse_all()
            return
        path = changed_paths(ls, uri)
        if path is not None:
            ls.analyse_dependents([path])

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SpawnguardServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.close(uri)
        changed_paths(ls, uri)  # the disk's text applies again
        ls.forget(uri)
        ls.publish(Publication(uri, None, []))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_did_open(
        ls: SpawnguardServer, params: types.DidOpenNotebookDocumentParams
    ) -> None:
        notebook = ls.notebooks.open(params)
        ls.analyse_soon(notebook.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_did_change(
        ls: SpawnguardServer, params: types.DidChangeNotebookDocumentParams
    ) -> None:
        notebook, removed = ls.notebooks.change(params)
        if notebook is None:
            ls.report_document_problem(
                f"change to notebook {params.notebook_document.uri}, which is not open: dropped"
            )
        for uri in removed:
            ls.publish(Publication(uri, None, []))
        if notebook is not None and ls.lint_on_change(notebook.uri):
            ls.analyse_soon(notebook.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_did_save(
        ls: SpawnguardServer, params: types.DidSaveNotebookDocumentParams
    ) -> None:
        ls.analyse_soon(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(
        ls: SpawnguardServer, params: types.DidCloseNotebookDocumentParams
    ) -> None:
        closed = ls.notebooks.close(params)
        ls.forget(params.notebook_document.uri)
        for uri in closed:
            ls.publish(Publication(uri, None, []))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=False,
        ),
    )
    async def code_action(
        ls: SpawnguardServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        request = await action_request(ls, params)
        if request is None:
            return None
        # Off the loop: "Fix all" runs the fixer, which re-analyses after each fix.
        return await asyncio.get_running_loop().run_in_executor(ls.executor, code_actions, request)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: SpawnguardServer, params: types.HoverParams) -> types.Hover | None:
        markdown = await hover_text(ls, params.text_document.uri, params.position)
        if markdown is None:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, markdown))

    return server


def changed_paths(ls: SpawnguardServer, uri: str) -> Path | None:
    """Tell the projects that the text of `uri` changed; its path."""
    path = path_of_uri(uri)
    if path is not None:  # (an untitled buffer is no module of a project)
        ls.projects.file_changed([str(path)])
    return path


async def register_watchers(ls: SpawnguardServer) -> None:
    """Hear about `pyproject.toml` changes (when the client lets servers register watchers)."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[
            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            types.FileSystemWatcher(glob_pattern="**/*.py"),
        ]
    )
    registration = types.Registration(
        id="spawnguard-pyproject",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as error:
        ls.log(types.MessageType.Info, f"spawnguard: cannot watch pyproject.toml: {error!r}")
