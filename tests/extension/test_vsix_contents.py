"""The built .vsix: what it holds, and that its bundled server runs on a bare Python.

The .vsix is a zip. It must hold the bundled client, the launcher, the `spawnguard` package
with its rule docs, every pinned library with its `.dist-info`, and nothing platform-specific
or development-only (no node_modules, no tests, no TypeScript sources, no compiled Python).
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from extension.vsix import REPO, manifest, require_vsix

ROOT = "extension/"
LIBS = f"{ROOT}bundled/libs/"
FIXTURE = REPO / "tests" / "editors" / "vscode" / "workspace" / "train.py"


def pinned_requirements() -> dict[str, str]:
    text = (REPO / "client" / "requirements.txt").read_text(encoding="utf-8")
    return {
        name.lower().replace("-", "_"): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


@pytest.fixture(scope="module")
def vsix() -> Path:
    return require_vsix()


@pytest.fixture(scope="module")
def names(vsix: Path) -> list[str]:
    with zipfile.ZipFile(vsix) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def extracted(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("vsix")
    with zipfile.ZipFile(vsix) as archive:
        archive.extractall(target)
    return target / "extension"


def test_holds_the_client_launcher_manifest_and_licence(names: list[str]) -> None:
    for required in (
        "extension.vsixmanifest",
        f"{ROOT}package.json",
        f"{ROOT}out/extension.js",
        f"{ROOT}bundled/tool/launch_server.py",
        f"{ROOT}LICENSE.txt",
        f"{ROOT}readme.md",
    ):
        assert required in names, required


def test_manifest_inside_is_the_repository_one(vsix: Path) -> None:
    with zipfile.ZipFile(vsix) as archive:
        inside = json.loads(archive.read(f"{ROOT}package.json"))
        vsix_manifest = archive.read("extension.vsixmanifest").decode("utf-8")
    assert inside["version"] == manifest()["version"]
    assert inside["contributes"] == manifest()["contributes"]
    assert inside["main"] == "./out/extension.js"
    # Platform-independent: no target platform in the package identity.
    assert "TargetPlatform" not in vsix_manifest


def test_version_matches_the_python_package(names: list[str]) -> None:
    init = (REPO / "server" / "spawnguard" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'__version__ = "([^"]+)"', init)
    assert version is not None
    assert manifest()["version"] == version.group(1)
    assert f"{LIBS}spawnguard-{version.group(1)}.dist-info/METADATA" in names


def test_bundles_spawnguard_with_its_server_and_rule_docs(names: list[str]) -> None:
    package = REPO / "server" / "spawnguard"
    expected = {
        f"{LIBS}spawnguard/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert f"{LIBS}spawnguard/server/app.py" in expected
    assert any(name.startswith(f"{LIBS}spawnguard/docs/rules/SPG101") for name in expected)
    missing = sorted(expected - set(names))
    assert missing == [], f".vsix older than server/ (npm run package rebuilds it): {missing}"


def test_bundles_every_pinned_library_with_its_dist_info(names: list[str]) -> None:
    requirements = pinned_requirements()
    server_imports = ("pygls", "lsprotocol", "jedi", "parso", "cattrs", "attrs", "pathspec")
    backports = ("exceptiongroup", "tomli", "typing_extensions")  # needed on Python 3.10
    for needed in server_imports + backports:
        assert needed in requirements, f"{needed} is missing from client/requirements.txt"
    dist_infos = {
        name[len(LIBS) :].split("/")[0]
        for name in names
        if name.startswith(LIBS) and ".dist-info/" in name
    }
    for name, version in requirements.items():
        assert f"{name}-{version}.dist-info" in dist_infos, (name, version, sorted(dist_infos))


def test_holds_nothing_platform_specific_or_for_development(names: list[str]) -> None:
    forbidden = re.compile(
        r"(^|/)(node_modules|__pycache__)/|\.(pyc|pyo|so|pyd|dylib|dll|ts|map)$|"
        r"(^|/)(test_[^/]*\.py|conftest\.py)$|"
        r"^extension/(tests|client|server|src|scripts|examples|docs|bench|dist|bundled/libs/bin)/"
    )
    offending = [name for name in names if forbidden.search(name)]
    assert offending == []


# --- the bundle runs --------------------------------------------------------------------------


class StdioClient:
    """Just enough LSP over stdio to start the server, open a file and read diagnostics."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def wait_for(self, wanted: Any, timeout: float = 30.0) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=timeout)
            if "id" in message and "method" in message:  # a request to the client
                self.send({"id": message["id"], "result": None})
            elif wanted(message):
                return message


def bare_run(extension: Path, *args: str) -> list[str]:
    # -S: no site-packages at all, so only the bundle can provide the server's libraries.
    return [sys.executable, "-S", str(extension / "bundled" / "tool" / "launch_server.py"), *args]


def test_bundled_launcher_runs_without_site_packages(extracted: Path) -> None:
    result = subprocess.run(
        bare_run(extracted, "--version"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"spawnguard {manifest()['version']}"


def test_bundled_server_publishes_diagnostics_without_site_packages(extracted: Path) -> None:
    client = StdioClient(bare_run(extracted, "--stdio"))
    try:
        client.send(
            {
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        initialized = client.wait_for(lambda m: m.get("id") == 1)
        assert initialized["result"]["serverInfo"]["name"] == "spawnguard"
        client.send({"method": "initialized", "params": {}})
        uri = FIXTURE.as_uri()
        client.send(
            {
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "python",
                        "version": 1,
                        "text": FIXTURE.read_text(encoding="utf-8"),
                    }
                },
            }
        )
        published = client.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            )
        )
        codes = {diagnostic["code"] for diagnostic in published["params"]["diagnostics"]}
        assert {"SPG101", "SPG201"} <= codes
        client.send({"id": 2, "method": "shutdown"})
        client.wait_for(lambda m: m.get("id") == 2)
        client.send({"method": "exit"})
        assert client.process.wait(timeout=30) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()
        client.process.wait()
