"""Settings end to end: initializationOptions, workspace/configuration,
didChangeConfiguration, pyproject.toml with each configurationPreference, bad values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from spawnguard.server.app import CONFIGURATION_TIMEOUT

from .helpers import (
    SERVER_COMMAND,
    RecordingClient,
    change_document,
    make_client,
    open_and_wait,
    open_document,
    start,
    wait_for_publication,
)
from .test_diagnostics import WORKER_SCRIPT

# What the worker script gives with default settings.
DEFAULT_CODES = {"SPG101", "SPG201", "SPG501"}


def codes(params: types.PublishDiagnosticsParams) -> set[str]:
    return {str(d.code) for d in params.diagnostics}


async def open_worker_script(client: RecordingClient, folder: Path, name: str = "job.py"):
    return await open_and_wait(client, folder / name, WORKER_SCRIPT)


async def test_defaults(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path)
    assert codes(await open_worker_script(bare_client, tmp_path)) == DEFAULT_CODES


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"select": ["SPG101"]}, {"SPG101"}),
        ({"ignore": ["SPG5", "SPG201"]}, {"SPG101"}),
        ({"settings": {"select": ["SPG2"]}}, {"SPG201"}),  # ruff-style wrapping
        ({"enable": False}, set()),
    ],
)
async def test_initialization_options(bare_client, tmp_path, options, expected):
    await start(bare_client, "neovim", tmp_path, initialization_options=options)
    assert codes(await open_worker_script(bare_client, tmp_path)) == expected


async def test_severity_override(bare_client, tmp_path):
    await start(
        bare_client,
        "neovim",
        tmp_path,
        initialization_options={"severity": {"SPG101": "warning", "spg501": "error"}},
    )
    published = await open_worker_script(bare_client, tmp_path)
    severities = {str(d.code): d.severity for d in published.diagnostics}
    assert severities["SPG101"] == types.DiagnosticSeverity.Warning
    assert severities["SPG501"] == types.DiagnosticSeverity.Error
    assert severities["SPG201"] == types.DiagnosticSeverity.Error


async def test_bad_settings_give_one_message_and_defaults(bare_client, tmp_path):
    options = {
        "select": ["NOPE1"],
        "severity": {"SPG101": "loud"},
        "assumeStartMethod": "thread",
        "lintOnChange": "yes",
    }
    await start(bare_client, "visual-studio-code", tmp_path, initialization_options=options)
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES  # every bad value fell back to its default
    severities = {str(d.code): d.severity for d in published.diagnostics}
    assert severities["SPG101"] == types.DiagnosticSeverity.Error
    [message] = bare_client.messages
    for setting in ("select", "severity.SPG101", "assumeStartMethod", "lintOnChange"):
        assert f"spawnguard.{setting}`" in message.message
    assert "'NOPE1'" in message.message and "'loud'" in message.message


async def test_a_missing_interpreter_gives_a_message_and_the_default(bare_client, tmp_path):
    missing = str(tmp_path / "no-such-python")
    await start(bare_client, "visual-studio-code", tmp_path,
                initialization_options={"interpreter": missing})
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES
    [message] = bare_client.messages
    assert "spawnguard.interpreter`" in message.message and "no-such-python" in message.message


async def test_an_interpreter_that_is_not_python_gives_a_message(bare_client, tmp_path):
    not_python = tmp_path / "not-python"
    not_python.write_text("#!/bin/sh\necho hello\n")
    not_python.chmod(0o755)
    await start(bare_client, "visual-studio-code", tmp_path,
                initialization_options={"interpreter": str(not_python)})
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES
    [message] = bare_client.messages
    assert "spawnguard.interpreter`" in message.message
    assert "is not a Python 3 interpreter" in message.message


async def test_workspace_configuration_and_changes(bare_client, tmp_path):
    """VS Code answers workspace/configuration; a change notification re-publishes."""
    bare_client.set_configuration({"ignore": ["SPG201"]}, section="spawnguard")
    await start(bare_client, "visual-studio-code", tmp_path)
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES - {"SPG201"}

    bare_client.set_configuration(
        {"ignore": [], "severity": {"SPG201": "hint"}}, section="spawnguard"
    )
    start_index = len(bare_client.publications)
    bare_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    republished = await wait_for_publication(bare_client, published.uri, after=start_index)
    assert codes(republished) == DEFAULT_CODES
    spg201 = next(d for d in republished.diagnostics if d.code == "SPG201")
    assert spg201.severity == types.DiagnosticSeverity.Hint


async def test_did_change_configuration_push_model(bare_client, tmp_path):
    """A client without workspace/configuration sends the settings in the notification."""
    await start(bare_client, "neovim", tmp_path, pull_configuration=False)
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES
    start_index = len(bare_client.publications)
    bare_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"spawnguard": {"select": ["SPG101"]}})
    )
    republished = await wait_for_publication(bare_client, published.uri, after=start_index)
    assert codes(republished) == {"SPG101"}


PYPROJECT = '[tool.spawnguard]\nignore = ["SPG201"]\nseverity = { SPG101 = "warning" }\n'


@pytest.mark.parametrize(
    ("preference", "expected"),
    [
        # The editor sets `ignore` (to nothing) and SPG101's severity to information.
        ("editorFirst", (DEFAULT_CODES, types.DiagnosticSeverity.Information)),
        ("filesystemFirst", (DEFAULT_CODES - {"SPG201"}, types.DiagnosticSeverity.Warning)),
        ("editorOnly", (DEFAULT_CODES, types.DiagnosticSeverity.Information)),
    ],
)
async def test_configuration_preference(bare_client, tmp_path, preference, expected):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    options = {
        "configurationPreference": preference,
        "ignore": [],
        "severity": {"SPG101": "information"},
    }
    await start(bare_client, "neovim", tmp_path, initialization_options=options)
    published = await open_worker_script(bare_client, tmp_path / "src")
    expected_codes, spg101_severity = expected
    assert codes(published) == expected_codes
    severities = {str(d.code): d.severity for d in published.diagnostics}
    assert severities["SPG101"] == spg101_severity


async def test_pyproject_alone_gives_what_the_cli_gives(bare_client, tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    await start(bare_client, "visual-studio-code", tmp_path)
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES - {"SPG201"}
    cli = subprocess.run(
        [sys.executable, "-m", "spawnguard", "check", "--format", "json", "--exit-zero", "job.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    from_cli = {
        (item["code"], item["line"] - 1, item["column"] - 1, item["severity"])
        for item in json.loads(cli.stdout)
    }
    names = {1: "error", 2: "warning", 3: "information", 4: "hint"}
    from_server = {
        (str(d.code), d.range.start.line, d.range.start.character, names[int(d.severity)])
        for d in published.diagnostics
    }
    assert from_server == from_cli


async def test_bad_pyproject_is_reported_once(bare_client, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.spawnguard]\nassume-start-method = "thread"\n', encoding="utf-8"
    )
    await start(bare_client, "visual-studio-code", tmp_path)
    first = await open_worker_script(bare_client, tmp_path)
    await open_worker_script(bare_client, tmp_path, "other.py")
    assert codes(first) == DEFAULT_CODES
    [message] = bare_client.messages
    assert "assume-start-method" in message.message


async def test_excluded_and_third_party_files_are_not_analysed(bare_client, tmp_path):
    await start(
        bare_client,
        "visual-studio-code",
        tmp_path,
        initialization_options={"exclude": ["generated/"]},
    )
    assert codes(await open_worker_script(bare_client, tmp_path / "generated")) == set()
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages" / "pkg"
    assert codes(await open_worker_script(bare_client, site)) == set()
    venv = tmp_path / "venv2"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    assert codes(await open_worker_script(bare_client, venv / "lib")) == set()
    assert codes(await open_worker_script(bare_client, tmp_path / "src")) == DEFAULT_CODES


async def test_lint_on_change_off_waits_for_save(bare_client, tmp_path):
    await start(
        bare_client, "visual-studio-code", tmp_path, initialization_options={"lintOnChange": False}
    )
    published = await open_worker_script(bare_client, tmp_path)
    assert codes(published) == DEFAULT_CODES
    uri = published.uri
    start_index = len(bare_client.publications)
    change_document(bare_client, uri, 2, "from multiprocessing import Pool\n")
    # Nothing is published for the change; after the save the new text is analysed.
    bare_client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    after_save = await wait_for_publication(bare_client, uri, after=start_index)
    assert after_save.version == 2 and codes(after_save) == set()
    assert [p.version for p in bare_client.publications[start_index:]] == [2]


def _answer_null(client: RecordingClient, params: types.ConfigurationParams) -> None:
    return None  # not a list: a broken client


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=lambda: make_client({types.WORKSPACE_CONFIGURATION: _answer_null})))
async def null_configuration_client(lsp_client: RecordingClient):
    yield
    await lsp_client.shutdown_session()


async def test_an_unreadable_configuration_answer_does_not_hold_the_diagnostics(
    null_configuration_client, tmp_path
):
    """A `null` answer to workspace/configuration fails that request at once: the first
    diagnostics (with default settings) do not wait for the configuration timeout."""
    client = null_configuration_client
    await start(client, "visual-studio-code", tmp_path)
    uri = (tmp_path / "job.py").as_uri()
    open_document(client, tmp_path / "job.py", WORKER_SCRIPT)
    published = await wait_for_publication(client, uri, timeout=CONFIGURATION_TIMEOUT - 1.5)
    assert codes(published) == DEFAULT_CODES
    assert any("workspace/configuration failed" in m.message for m in client.log_messages)


async def test_hint_severity_raises_hints_to_information(bare_client, tmp_path):
    """SPG501 is a hint, which VS Code's Problems panel does not list; `hintSeverity`
    "information" shows it (and every other hint) as information, the rest unchanged.
    A change of the setting re-publishes."""
    bare_client.set_configuration({"severity": {"SPG201": "hint"}}, section="spawnguard")
    await start(bare_client, "visual-studio-code", tmp_path)
    published = await open_worker_script(bare_client, tmp_path)
    severities = {str(d.code): d.severity for d in published.diagnostics}
    assert severities == {
        "SPG101": types.DiagnosticSeverity.Error,
        "SPG201": types.DiagnosticSeverity.Hint,
        "SPG501": types.DiagnosticSeverity.Hint,
    }

    bare_client.set_configuration(
        {"severity": {"SPG201": "hint"}, "hintSeverity": "information"}, section="spawnguard"
    )
    start_index = len(bare_client.publications)
    bare_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    raised = await wait_for_publication(bare_client, published.uri, after=start_index)
    severities = {str(d.code): d.severity for d in raised.diagnostics}
    assert severities == {
        "SPG101": types.DiagnosticSeverity.Error,
        "SPG201": types.DiagnosticSeverity.Information,
        "SPG501": types.DiagnosticSeverity.Information,
    }
    assert not bare_client.messages


async def test_hint_severity_accepts_only_hint_or_information(bare_client, tmp_path):
    await start(bare_client, "neovim", tmp_path, initialization_options={"hintSeverity": "error"})
    published = await open_worker_script(bare_client, tmp_path)
    spg501 = next(d for d in published.diagnostics if d.code == "SPG501")
    assert spg501.severity == types.DiagnosticSeverity.Hint  # the default applies
    [message] = bare_client.messages
    assert "spawnguard.hintSeverity" in message.message and "hint, information" in message.message
