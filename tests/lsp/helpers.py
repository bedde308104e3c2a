"""Helpers for driving the real server over stdio with pytest-lsp (and checking positions)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "spawnguard.server", "--stdio"]
CLIENTS = ("visual-studio-code", "neovim")
# Each client's negotiated position encoding: VS Code offers none (so UTF-16), Neovim
# prefers UTF-8.
ENCODING_OF_CLIENT = {"visual-studio-code": "utf-16", "neovim": "utf-8"}


class RecordingClient(LanguageClient):
    """A test client that keeps every publishDiagnostics, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publications: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []


def _record_publication(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.publications.append(params)


def _register_capability(client: RecordingClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def make_client(overrides: dict[str, Callable[..., Any]] | None = None) -> RecordingClient:
    """The recording client; `overrides` replace how it answers the server's requests."""
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publication
    features[types.CLIENT_REGISTER_CAPABILITY] = _register_capability
    features.update(overrides or {})
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)


def capabilities(
    name: str,
    *,
    notebooks: bool = False,
    encodings: tuple[str, ...] | None = None,
    pull_configuration: bool = True,
) -> types.ClientCapabilities:
    caps = client_capabilities(name)
    if not pull_configuration and caps.workspace is not None:
        caps.workspace.configuration = False
    if notebooks:
        caps.notebook_document = types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(
                execution_summary_support=True
            )
        )
    if encodings is not None:
        general = caps.general or types.GeneralClientCapabilities()
        general.position_encodings = [types.PositionEncodingKind(e) for e in encodings]
        caps.general = general
    return caps


async def start(
    client: LanguageClient,
    name: str,
    root: Path,
    *,
    initialization_options: Any = None,
    notebooks: bool = False,
    encodings: tuple[str, ...] | None = None,
    pull_configuration: bool = True,
) -> types.InitializeResult:
    caps = capabilities(
        name, notebooks=notebooks, encodings=encodings, pull_configuration=pull_configuration
    )
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=initialization_options,
        )
    )


async def wait_for_publication(
    client: RecordingClient,
    uri: str,
    predicate: Callable[[types.PublishDiagnosticsParams], bool] = lambda p: True,
    *,
    after: int = 0,
    timeout: float = 20.0,
) -> types.PublishDiagnosticsParams:
    """The first publication for `uri` (at index ≥ `after`) that satisfies `predicate`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for params in client.publications[after:]:
            if params.uri == uri and predicate(params):
                return params
        if loop.time() > deadline:
            seen = [(p.uri, p.version, len(p.diagnostics)) for p in client.publications]
            raise AssertionError(f"no matching diagnostics for {uri} within {timeout}s: {seen}")
        await asyncio.sleep(0.01)


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    """Write `text` to `path` (as a real editor would have it on disk) and open it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def open_and_wait(
    client: RecordingClient, path: Path, text: str, version: int = 1,
    until: Callable[[types.PublishDiagnosticsParams], bool] = lambda p: True,
) -> types.PublishDiagnosticsParams:
    """The first publication after opening (`until` picks a later one: cross-module findings
    arrive once the folder's project index is ready, after the single-file ones)."""
    start_index = len(client.publications)
    uri = open_document(client, path, text, version)
    return await wait_for_publication(client, uri, until, after=start_index)


def has_codes(*codes: str) -> Callable[[types.PublishDiagnosticsParams], bool]:
    return lambda params: set(codes) <= {d.code for d in params.diagnostics}


# --- an independent oracle for LSP columns (tests must not use the server's converter) ------


def units(line: str, character: int, encoding: str) -> int:
    """Code-point column → LSP column in `encoding`, by encoding the prefix."""
    prefix = line[:character]
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    if encoding == "utf-16":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


def lsp_lines(text: str) -> list[str]:
    """Lines as LSP counts them: split at \\r\\n, \\r and \\n only."""
    return re.split(r"\r\n|\r|\n", text)


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
    lines = lsp_lines(text)
    line = lines[position.line]
    for character in range(len(line) + 1):
        if units(line, character, encoding) >= position.character:
            return starts[position.line] + character
    return starts[position.line] + len(line)


def apply_lsp_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """Apply a client's text edits (all against the original text), as an editor would."""
    spans = sorted(
        (
            offset_of(text, e.range.start, encoding),
            offset_of(text, e.range.end, encoding),
            e.new_text,
        )
        for e in edits
    )
    result, cursor = [], 0
    for start, end, new_text in spans:
        assert start >= cursor, "overlapping edits"
        result += [text[cursor:start], new_text]
        cursor = end
    result.append(text[cursor:])
    return "".join(result)


def lsp_range(
    text: str, line: int, start: int, end_line: int, end: int, encoding: str
) -> types.Range:
    """The LSP range of a 1-based-line, code-point range of `text`."""
    lines = lsp_lines(text)
    return types.Range(
        types.Position(line - 1, units(lines[line - 1], start, encoding)),
        types.Position(end_line - 1, units(lines[end_line - 1], end, encoding)),
    )
