"""The settings package.json declares are the ones the language server reads, by the same names.

Each `spawnguard.*` setting (but the client's own `logLevel` and `trace.server`) is fed to the
server's settings parser with its default and with every value its enum offers: the server
must know the key and accept the value.
"""

from __future__ import annotations

from typing import Any

import pytest

from extension.vsix import manifest

server_settings = pytest.importorskip("spawnguard.server.settings")

PREFIX = "spawnguard."
CLIENT_ONLY = {"logLevel", "trace.server"}
PROPERTIES: dict[str, dict[str, Any]] = manifest()["contributes"]["configuration"]["properties"]
SERVER_KEYS = sorted(
    key[len(PREFIX) :] for key in PROPERTIES if key[len(PREFIX) :] not in CLIENT_ONLY
)


def parsed(raw: dict[str, Any]) -> Any:
    return server_settings.parse_editor_settings(raw)


ISSUE_4_NAMES = sorted(
    [
        "enable",
        "interpreter",
        "select",
        "ignore",
        "severity",
        "assumeStartMethod",
        "exclude",
        "lintOnChange",
        "configurationPreference",
    ]
)
# Added for issue 14: where rule codes link to.
ISSUE_14_NAMES = ["docsUrl"]


def test_declares_the_settings_issue_4_and_14_names() -> None:
    assert sorted(ISSUE_4_NAMES + ISSUE_14_NAMES) == SERVER_KEYS
    assert all(key.startswith(PREFIX) for key in PROPERTIES)


@pytest.mark.parametrize("key", SERVER_KEYS)
def test_server_knows_the_setting_and_accepts_its_default(key: str) -> None:
    result = parsed({key: PROPERTIES[PREFIX + key]["default"]})
    assert result.unknown_keys == ()
    assert result.problems == ()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (key, value)
        for key in SERVER_KEYS
        for value in PROPERTIES[PREFIX + key].get("enum", [])
        if value is not None
    ],
)
def test_server_accepts_every_enum_value(key: str, value: str) -> None:
    result = parsed({key: value})
    assert result.problems == ()
    assert result.unknown_keys == ()


def test_server_accepts_every_severity_the_manifest_offers() -> None:
    levels = PROPERTIES[PREFIX + "severity"]["additionalProperties"]["enum"]
    assert set(levels) == {"error", "warning", "information", "hint"}
    for level in levels:
        assert parsed({"severity": {"SPG201": level}}).problems == (), level


def test_server_ignores_the_client_only_settings() -> None:
    result = parsed({"logLevel": "debug", "trace": {"server": "verbose"}})
    assert result.unknown_keys == ()
    assert result.problems == ()


def test_a_wrong_value_is_reported_naming_the_setting() -> None:
    # The settings UI prevents this, settings.json does not; the server must say which one.
    result = parsed({"assumeStartMethod": "threads"})
    assert any("assumeStartMethod" in problem for problem in result.problems)


# A typical value a user sets for each setting, as package.json's descriptions show them.
EXAMPLES: dict[str, Any] = {
    "enable": False,
    "interpreter": "/usr/bin/python3",
    "select": ["SPG1", "SPG201"],
    "ignore": ["SPG501"],
    "severity": {"SPG201": "error"},
    "assumeStartMethod": "forkserver",
    "exclude": ["generated/", "*.pb2.py"],
    "lintOnChange": False,
    "configurationPreference": "editorOnly",
    "docsUrl": "",
}


def test_examples_cover_every_server_setting() -> None:
    assert sorted(EXAMPLES) == SERVER_KEYS


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_server_accepts_a_typical_value(key: str) -> None:
    result = parsed({key: EXAMPLES[key]})
    assert result.problems == ()
    assert result.unknown_keys == ()


def test_docs_url_default_is_the_servers_and_bad_urls_are_reported() -> None:
    assert PROPERTIES[PREFIX + "docsUrl"]["default"] == server_settings.DEFAULT_DOCS_URL
    assert parsed({"docsUrl": "https://docs.example.org/rules"}).problems == ()
    [problem] = parsed({"docsUrl": "javascript:alert(1)"}).problems
    assert "docsUrl" in problem
