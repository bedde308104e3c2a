"""Change → diagnostics latency of the spawnguard language server (and of `ruff server`).

Drives each server over stdio with a plain JSON-RPC client: opens a copy of the stdlib's
`argparse.py` (about 2,600 lines) in a temporary folder, then sends full-text `didChange`
edits (a line inserted before a different top-level definition each time) and measures, per
edit, the time until the diagnostics for that version arrive: spawnguard pushes
`textDocument/publishDiagnostics` with the version; ruff answers pull diagnostics
(`textDocument/diagnostic`), requested right after the change. Prints both medians.

argparse.py starts no workers, and the engine skips (unparsed) a text that cannot start any;
so the run is repeated on the same file with a worker script appended, which makes every
edit go through parsing, the model and every rule.

    python bench/lsp_latency.py [--edits 60] [--file PATH] [--server-command ...]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The JSON-RPC framing is the test driver's (as bench/fuzz.py uses the test fuzzers).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from robustness.lsp_driver import frame, read_message

WARMUP_EDITS = 5
# Appended to the edited file in the second run, so that every edit is fully analysed.
WORKER_TAIL = """

import multiprocessing as _mp


def _bench_work(item):
    return item * 2


if __name__ == "__main__":
    with _mp.Pool(2) as _pool:
        print(_pool.map(_bench_work, range(4)))
"""
TIMEOUT = 30.0


class StdioClient:
    """Just enough JSON-RPC over stdio: requests, notifications, a queue of what comes back."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.incoming: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while (message := read_message(stream)) is not None:
            if "method" in message and "id" in message:
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": answer_to(message)})
            self.incoming.put((time.perf_counter(), message))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(frame(body))
        stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait_for(self, match: Callable[[dict[str, Any]], bool],
                 timeout: float = TIMEOUT) -> tuple[float, dict[str, Any]]:
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("the server did not answer in time")
            received, message = self.incoming.get(timeout=remaining)
            if match(message):
                return received, message

    def close(self) -> None:
        try:
            request_id = self.request("shutdown", None)
            self.wait_for(lambda m: m.get("id") == request_id)
            self.notify("exit", None)
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()


def answer_to(request: dict[str, Any]) -> Any:
    """The client's answer to a server request: no settings for each configuration item
    (the defaults apply), null for the rest."""
    if request.get("method") == "workspace/configuration":
        return [None for _ in (request.get("params") or {}).get("items") or ()]
    return None


def edited_texts(text: str, count: int) -> list[str]:
    """`count` versions of `text`, each with one line inserted before another definition."""
    lines = text.splitlines(keepends=True)
    anchors = [i for i, line in enumerate(lines) if re.match(r"(def|class) ", line)]
    anchors = anchors or [len(lines)]
    versions = []
    for n in range(count):
        at = anchors[n % len(anchors)]
        versions.append("".join([*lines[:at], f"_bench_edit = {n}\n", *lines[at:]]))
    return versions


def measure(command: list[str], path: Path, edits: int, pull: bool,
            options: Any = None) -> list[float]:
    """Seconds from each didChange to its diagnostics (after a few unmeasured warm-ups)."""
    return measure_in(command, path, edits, pull, options).latencies


@dataclass
class Measured:
    latencies: list[float]
    diagnostics: int  # how many the last version got


def measure_in(command: list[str], path: Path, edits: int, pull: bool, options: Any = None,
               root: Path | None = None, wait_for_index: bool = False) -> Measured:
    """`measure`, with the workspace folder `root` (default: the file's folder); with
    `wait_for_index`, the edits start once the server's work-done progress has ended."""
    root = root or path.parent
    client = StdioClient(command, root)
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    capabilities: dict[str, Any] = {
        "textDocument": {"publishDiagnostics": {"versionSupport": True}},
        "general": {"positionEncodings": ["utf-16"]},
        "window": {"workDoneProgress": wait_for_index},
    }
    if pull:
        capabilities["textDocument"]["diagnostic"] = {"dynamicRegistration": False}
    init_id = client.request("initialize", {
        "processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities,
        "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}],
        "initializationOptions": options,
    })
    client.wait_for(lambda m: m.get("id") == init_id)
    client.notify("initialized", {})
    if wait_for_index:
        client.wait_for(lambda m: m.get("method") == "$/progress"
                        and (m.get("params") or {}).get("value", {}).get("kind") == "end",
                        timeout=600)
    count = 0

    def diagnostics_for(version: int) -> float:
        nonlocal count
        if pull:
            request_id = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
            received, answer = client.wait_for(lambda m: m.get("id") == request_id)
            count = len((answer.get("result") or {}).get("items") or [])
            return received

        def is_ours(message: dict[str, Any]) -> bool:
            params = message.get("params") or {}
            return (message.get("method") == "textDocument/publishDiagnostics"
                    and params.get("uri") == uri and params.get("version") == version)

        received, published = client.wait_for(is_ours)
        count = len(published["params"].get("diagnostics") or [])
        return received

    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    diagnostics_for(1)
    latencies = []
    for index, new_text in enumerate(edited_texts(text, edits + WARMUP_EDITS)):
        version = index + 2
        started = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": new_text}],
        })
        received = diagnostics_for(version)
        if index >= WARMUP_EDITS:
            latencies.append(received - started)
    client.close()
    return Measured(latencies, count)


def summary(name: str, latencies: list[float]) -> str:
    ms = sorted(value * 1000 for value in latencies)
    p90 = ms[int(len(ms) * 0.9) - 1] if ms else float("nan")
    return (f"{name:<12} median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   "
            f"min {ms[0]:7.2f} ms   ({len(ms)} edits)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--file", type=Path, default=Path(argparse.__file__),
                        help="the file to edit (default: the stdlib's argparse.py)")
    parser.add_argument("--server-command", nargs="+",
                        default=[sys.executable, "-m", "spawnguard.server", "--stdio"])
    parser.add_argument("--initialization-options", type=json.loads, default=None,
                        help='JSON for our server, e.g. \'{"enable": false}\' to time the '
                             "server without analysis")
    args = parser.parse_args(argv)
    original = args.file.read_text(encoding="utf-8")
    variants = [(args.file.name, original),
                (f"{args.file.stem}_with_workers.py", original + WORKER_TAIL)]
    ruff = shutil.which("ruff")
    for name, text in variants:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            print(f"{name}: {len(text.splitlines())} lines, {args.edits} full-text edits")
            ours = measure(args.server_command, path, args.edits, pull=False,
                           options=args.initialization_options)
            print(summary("spawnguard", ours))
            if ruff is None:
                print("ruff         not installed: no comparison")
                continue
            theirs = measure([ruff, "server"], path, args.edits, pull=True)
            print(summary("ruff server", theirs))
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(f"spawnguard / ruff median: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
