"""pytest-lsp fixtures: the real server over stdio, initialised with real clients' capabilities."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp

from .helpers import CLIENTS, CONFIG, RecordingClient, start


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(lsp_client: RecordingClient, request: pytest.FixtureRequest, tmp_path: Path):
    """A server initialised by a client with VS Code's or Neovim's capabilities."""
    lsp_client.client_name = request.param  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    await start(lsp_client, request.param, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def bare_client(lsp_client: RecordingClient):
    """A started server the test initialises itself (custom options or capabilities)."""
    yield
    if lsp_client.capabilities is None and lsp_client._server is not None:
        # Never initialised (the test failed first): no shutdown handshake to wait for.
        lsp_client._server.kill()
        return
    await lsp_client.shutdown_session()
