"""Where the time to the first diagnostics goes: server start, imports, first analysis, jedi.

Each figure is the median of `--runs` fresh processes (the machine's other load shows up as
spread: the worst run is printed beside the median):

- `python -c pass`: the interpreter alone;
- imports: `import spawnguard.server.app` (pygls, lsprotocol, cattrs and the analyser), and
  split out `import lsprotocol.types`, `import pygls.lsp.server`, `import spawnguard.engine`,
  each in its own process beside the bare interpreter;
- `import jedi`: what the first hover pays (the server never imports it before);
- over stdio, a fresh server: spawn → `initialize` answered; then `initialized` and
  `didOpen` of a worker script → its first `publishDiagnostics` (the configuration pull, the
  first analysis, the project index of the folder starting beside it); and the first hover
  on a symbol a second later (jedi's inference; the server imports jedi in the background
  half a second after the first diagnostics).

    python bench/lsp_startup.py [--runs 5] [--file PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import StdioClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "broken" / "train_dataloader.py"
SERVER = [sys.executable, "-m", "spawnguard.server", "--stdio"]
HOVER_AFTER = 1.0
IMPORTS = ("spawnguard.server.app", "lsprotocol.types", "pygls.lsp.server", "spawnguard.engine")


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    return time.perf_counter() - started


def server_run(path: Path, hover_at: tuple[int, int]) -> dict[str, float]:
    """One fresh server: seconds to `initialize`, from `didOpen` to diagnostics, to a hover."""
    client = StdioClient(SERVER, path.parent)
    uri = path.as_uri()
    started = time.perf_counter()
    init_id = client.request("initialize", {
        "processId": os.getpid(), "rootUri": path.parent.as_uri(),
        "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}},
                         "workspace": {"configuration": True}},
        "workspaceFolders": [{"uri": path.parent.as_uri(), "name": "bench"}],
    })
    initialized, _ = client.wait_for(lambda m: m.get("id") == init_id)
    client.notify("initialized", {})
    opened = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}})
    published, _ = client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics"
        and (m.get("params") or {}).get("uri") == uri)
    time.sleep(HOVER_AFTER)  # a user reads the squiggle first (and jedi warms up meanwhile)
    asked = time.perf_counter()
    line, character = hover_at
    hover_id = client.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
    hovered, _ = client.wait_for(lambda m: m.get("id") == hover_id, timeout=60)
    client.close()
    return {
        "spawn → initialize answered": initialized - started,
        "didOpen → first diagnostics": published - opened,
        f"first hover on a symbol, {HOVER_AFTER:g} s after the diagnostics": hovered - asked,
    }


def symbol_position(text: str) -> tuple[int, int]:
    """A hover on the first `DataLoader` name (jedi looks it up), else the first line."""
    for number, line in enumerate(text.splitlines()):
        if "DataLoader(" in line:
            return number, line.index("DataLoader(") + 2
    return 0, 0


def row(name: str, samples: list[float], minus: float = 0.0) -> str:
    median = statistics.median(samples) - minus
    worst = max(samples) - minus
    return f"| {name} | {median * 1000:,.0f} ms | {worst * 1000:,.0f} ms |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", type=Path, default=EXAMPLE)
    args = parser.parse_args(argv)
    measure: Callable[[list[str]], list[float]] = lambda command: [  # noqa: E731
        wall(command) for _ in range(args.runs)]

    bare = measure([sys.executable, "-c", "pass"])
    print("| step | median | worst |\n|---|---|---|")
    print(row("`python -c pass`", bare))
    base = statistics.median(bare)
    for module in (*IMPORTS, "jedi"):
        samples = measure([sys.executable, "-c", f"import {module}"])
        print(row(f"`import {module}` (beyond the interpreter)", samples, minus=base))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / args.file.name
        shutil.copyfile(args.file, path)
        hover_at = symbol_position(path.read_text())
        runs = [server_run(path, hover_at) for _ in range(args.runs)]
    for name in runs[0]:
        print(row(name, [run[name] for run in runs]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
