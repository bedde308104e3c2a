"""A raw JSON-RPC client over stdio, for sending the server what no well-behaved client would.

pytest-lsp's client validates what it sends (a negative position or a missing field never
leaves it), so the malformed-message tests talk to the server through this driver: any JSON
goes out, every message that comes back is kept. Server→client requests are answered the
way a minimal editor would (`workspace/configuration` → one null per item, registrations
→ null), so the server never waits on us.

The server under test is `lsp_debug_server.py` (the real server plus read-only debug
requests); `PYTHONPATH` is passed through, so it runs the code the tests were started with.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

DEBUG_SERVER = Path(__file__).with_name("lsp_debug_server.py")
DEBUG_SERVER_COMMAND = [sys.executable, str(DEBUG_SERVER)]
TIMEOUT = 30.0

Message = dict[str, Any]


def read_message(stream: IO[bytes]) -> Message | None:
    """The next JSON-RPC message framed with a Content-Length header, or None at the end."""
    length = 0
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    message: Message = json.loads(stream.read(length))
    return message


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ServerDied(AssertionError):
    pass


class RawClient:
    def __init__(self, command: list[str] | None = None, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            command or DEBUG_SERVER_COMMAND,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
        )
        self.messages: list[Message] = []
        self.condition = threading.Condition()
        self.next_id = 0
        self.stderr_chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # --- transport ----------------------------------------------------------------------------

    def _drain_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for chunk in iter(lambda: stream.read1(4096), b""):
            self.stderr_chunks.append(chunk)

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            message = read_message(stream)
            if message is None:
                with self.condition:
                    self.condition.notify_all()
                return
            if "method" in message and "id" in message:
                self._answer_server_request(message)
            with self.condition:
                self.messages.append(message)
                self.condition.notify_all()

    def _answer_server_request(self, message: Message) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [None for _ in message["params"]["items"]]
        # When the test has closed our end there is no one to answer.
        with contextlib.suppress(BrokenPipeError, ValueError):
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def send(self, message: Message) -> None:
        self.send_raw(json.dumps(message).encode("utf-8"))

    def send_raw(self, body: bytes) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(frame(body))
        stdin.flush()

    # --- messages -----------------------------------------------------------------------------

    def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request(self, method: str, params: Any = None) -> int:
        self.next_id += 1
        message: Message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.next_id

    def wait_for(self, match: Callable[[Message], bool], timeout: float = TIMEOUT) -> Message:
        deadline = time.monotonic() + timeout
        with self.condition:
            seen = 0
            while True:
                for message in self.messages[seen:]:
                    if match(message):
                        return message
                seen = len(self.messages)
                if self.process.poll() is not None and not self.reader.is_alive():
                    raise ServerDied(f"server exited ({self.process.returncode}): {self.stderr()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching message within {timeout}s")
                self.condition.wait(min(remaining, 0.5))

    def response(self, request_id: int, timeout: float = TIMEOUT) -> Message:
        return self.wait_for(
            lambda m: m.get("id") == request_id and "method" not in m, timeout=timeout
        )

    def call(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Message:
        """Send a request, return its response (result or error)."""
        return self.response(self.request(method, params), timeout)

    def result(self, method: str, params: Any = None) -> Any:
        response = self.call(method, params)
        assert "error" not in response, response
        return response["result"]

    def notifications(self, method: str) -> list[Message]:
        with self.condition:
            return [m for m in self.messages if m.get("method") == method and "id" not in m]

    def logs(self) -> list[str]:
        return [m["params"]["message"] for m in self.notifications("window/logMessage")]

    def popups(self) -> list[Message]:
        with self.condition:
            return [
                m
                for m in self.messages
                if m.get("method") in ("window/showMessage", "window/showMessageRequest")
            ]

    def stderr(self) -> str:
        return b"".join(self.stderr_chunks).decode("utf-8", "replace")[-4000:]

    # --- session ------------------------------------------------------------------------------

    def initialize(self, root: Path, position_encodings: list[str] | None = None) -> Message:
        capabilities: Message = {
            "textDocument": {"publishDiagnostics": {"versionSupport": True}},
            "workspace": {"configuration": True, "workspaceFolders": True},
            "window": {"workDoneProgress": True},
            "notebookDocument": {"synchronization": {}},
        }
        if position_encodings:
            capabilities["general"] = {"positionEncodings": position_encodings}
        result = self.result(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": capabilities,
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            },
        )
        self.notify("initialized", {})
        return result

    def alive(self) -> bool:
        """The server still answers requests (a round trip through the debug request)."""
        return "documents" in self.result("spawnguard/debugState", {})

    def document_text(self, uri: str) -> str | None:
        state = self.result("spawnguard/debugState", {})
        document = state["documents"].get(uri)
        return None if document is None else document["text"]

    def document_version(self, uri: str) -> int | None:
        state = self.result("spawnguard/debugState", {})
        document = state["documents"].get(uri)
        return None if document is None else document["version"]

    def shutdown_and_exit(self, timeout: float = 10.0) -> int:
        self.call("shutdown")
        self.notify("exit")
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# --- message builders -------------------------------------------------------------------------


def position(line: int, character: int) -> Message:
    return {"line": line, "character": character}


def range_(start: tuple[int, int], end: tuple[int, int]) -> Message:
    return {"start": position(*start), "end": position(*end)}


def did_open(uri: str, text: str, version: int = 1) -> Message:
    return {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}}


def did_change(uri: str, version: int, *changes: Message) -> Message:
    return {"textDocument": {"uri": uri, "version": version}, "contentChanges": list(changes)}


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> Message:
    return {"range": range_(start, end), "text": text}
