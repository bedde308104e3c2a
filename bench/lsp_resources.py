"""Memory and time of the spawnguard language server under many open documents and edits.

Opens `--documents` copies of a small worker script (each a different file in a temporary
folder), then sends `--edits` incremental `didChange` edits round-robin over them (a line
inserted, a line removed: each document keeps its size, so growing RSS means something is
kept per version), asking for code actions now and then as an editor does. Prints the
server's RSS (VmRSS of /proc/<pid>/status) at start, after opening, at checkpoints during the
edits and after them (once the analyses have settled), then after closing every document,
and the time each phase took.

    PYTHONPATH=server python bench/lsp_resources.py [--documents 200] [--edits 10000]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from lsp_latency import StdioClient

SCRIPT = """import multiprocessing as mp
from torch.utils.data import DataLoader


def work(item):
    return item * 2


class Squares:
    def __len__(self):
        return 64

    def __getitem__(self, index):
        return index * index


loader = DataLoader(Squares(), num_workers=2)
pool = mp.Pool(2)
print(pool.map(work, range(4)), list(loader))
"""
# Where each document gets its edits: a line inserted after the imports, then removed.
EDIT_LINE = 3


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def settle(client: StdioClient, quiet: float = 1.0, timeout: float = 600.0) -> None:
    """Wait until no diagnostics arrive for `quiet` seconds: the analyses have caught up."""
    deadline = time.monotonic() + timeout
    last = time.monotonic()
    while time.monotonic() < deadline:
        try:
            client.incoming.get(timeout=0.1)
            last = time.monotonic()
        except Exception:
            if time.monotonic() - last >= quiet:
                return
    raise TimeoutError("the server never settled")


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument(
        "--server-command", nargs="+", default=[sys.executable, "-m", "spawnguard.server"]
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="spawnguard-resources-"))
    client = StdioClient(args.server_command, folder)
    pid = client.process.pid
    request_id = client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": folder.as_uri(),
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
        },
    )
    client.wait_for(lambda m: m.get("id") == request_id)
    client.notify("initialized", {})
    figures: list[tuple[str, float, float]] = []

    def checkpoint(label: str, started: float) -> None:
        figures.append((label, rss_mib(pid), time.perf_counter() - started))
        print(f"{label:<34} RSS {figures[-1][1]:8.1f} MiB   {figures[-1][2]:8.2f} s", flush=True)

    checkpoint("start (initialized)", time.perf_counter())

    started = time.perf_counter()
    uris = []
    for n in range(args.documents):
        path = folder / f"module_{n}.py"
        path.write_text(SCRIPT, encoding="utf-8")
        uris.append(path.as_uri())
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uris[-1],
                    "languageId": "python",
                    "version": 1,
                    "text": SCRIPT,
                }
            },
        )
    settle(client)
    checkpoint(f"after opening {args.documents} documents", started)

    started = time.perf_counter()
    versions = dict.fromkeys(uris, 1)
    every = max(1, args.edits // args.checkpoints)
    for n in range(args.edits):
        uri = uris[n % len(uris)]
        versions[uri] += 1
        inserting = (n // len(uris)) % 2 == 0
        if inserting:
            change: dict[str, Any] = {
                "range": {"start": position(EDIT_LINE, 0), "end": position(EDIT_LINE, 0)},
                "text": f"edit_{n} = '😀中文'\n",
            }
        else:
            change = {
                "range": {"start": position(EDIT_LINE, 0), "end": position(EDIT_LINE + 1, 0)},
                "text": "",
            }
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": versions[uri]}, "contentChanges": [change]},
        )
        if n % 50 == 0:
            client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": {"start": position(17, 0), "end": position(17, 0)},
                    "context": {"diagnostics": []},
                },
            )
        if (n + 1) % every == 0 and n + 1 < args.edits:
            checkpoint(f"  sent {n + 1} edits", started)
    settle(client)
    checkpoint(f"after {args.edits} edits (settled)", started)

    started = time.perf_counter()
    for uri in uris:
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    settle(client)
    checkpoint("after closing every document", started)
    client.close()
    print(f"exit code {client.process.returncode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
