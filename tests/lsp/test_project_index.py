"""The language server's project index: built in the background with progress, single-file
findings first, cross-module ones once it is ready, and a clear fallback for a project too big
to index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from .helpers import (
    SERVER_COMMAND,
    RecordingClient,
    has_codes,
    make_client,
    open_and_wait,
    start,
    wait_for_publication,
)

STARTER = "from multiprocessing import Pool\nPOOL = Pool(2)\n"
SCRIPT = (
    "import starter\nfrom multiprocessing import Process\n\n\ndef work():\n    pass\n\n\n"
    "Process(target=work).start()\n"
)


def write_project(root: Path, modules: int) -> None:
    (root / "starter.py").write_text(STARTER, encoding="utf-8")
    for i in range(modules):
        (root / f"module{i}.py").write_text(f"import module{i + 1}\nX = {i}\n", encoding="utf-8")


async def test_the_index_is_built_in_the_background_with_progress(
        bare_client: RecordingClient, tmp_path: Path) -> None:
    write_project(tmp_path, 150)
    await start(bare_client, "visual-studio-code", tmp_path)
    published = await open_and_wait(bare_client, tmp_path / "train.py", SCRIPT,
                                    until=has_codes("SPG101", "SPG103"))
    [spg103] = [d for d in published.diagnostics if d.code == "SPG103"]
    assert spg103.range.start == types.Position(0, 0)
    # One progress run: begin, reports counting modules, end.
    [reports] = [r for t, r in bare_client.progress_reports.items()
                 if str(t).startswith("spawnguard-index")]
    begin, *middle, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    assert begin.message == "Indexing project: 0/152 modules"
    assert middle and all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    assert middle[-1].message == "Indexing project: 152/152 modules"
    assert isinstance(end, types.WorkDoneProgressEnd)


async def test_single_file_findings_do_not_wait_for_the_index(
        bare_client: RecordingClient, tmp_path: Path) -> None:
    """The script's own finding is published however the index is doing; the cross-module
    one follows when the index is ready (the same publication when it was ready first)."""
    write_project(tmp_path, 400)
    await start(bare_client, "neovim", tmp_path)
    first = await open_and_wait(bare_client, tmp_path / "train.py", SCRIPT)
    assert "SPG101" in {d.code for d in first.diagnostics}
    later = await wait_for_publication(bare_client, first.uri, has_codes("SPG103"))
    assert {"SPG101", "SPG103"} <= {d.code for d in later.diagnostics}


TOO_BIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                             server_env={**os.environ, "SPAWNGUARD_MAX_PROJECT_MODULES": "20"})


@pytest_lsp.fixture(config=TOO_BIG)
async def small_limit_client(lsp_client: RecordingClient):
    yield
    await lsp_client.shutdown_session()


async def test_a_project_too_big_to_index_is_said_once_and_files_are_analysed_alone(
        small_limit_client: RecordingClient, tmp_path: Path) -> None:
    write_project(tmp_path, 40)
    await start(small_limit_client, "visual-studio-code", tmp_path)
    published = await open_and_wait(small_limit_client, tmp_path / "train.py", SCRIPT)
    assert [d.code for d in published.diagnostics if d.code != "SPG501"] == ["SPG101"]
    second = await open_and_wait(small_limit_client, tmp_path / "other.py", SCRIPT)
    assert [d.code for d in second.diagnostics if d.code != "SPG501"] == ["SPG101"]
    notices = [m for m in small_limit_client.messages if "more than 20" in m.message]
    assert len(notices) == 1
    assert notices[0].type == types.MessageType.Info
    assert any("more than 20" in m.message for m in small_limit_client.log_messages)
