"""The spawnguard language server (pygls, stdio).

`spawnguard serve`, `python -m spawnguard.server` and `python -m spawnguard serve` all end
up in `main`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from spawnguard import __version__

if TYPE_CHECKING:
    from spawnguard.server.app import SpawnguardServer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spawnguard serve", description="Run the spawnguard language server over stdio."
    )
    # vscode-languageclient appends --stdio; stdio is the only transport anyway.
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout")
    parser.add_argument("--log-file", help="write the server's own log to this file")
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument("--version", action="version", version=f"spawnguard {__version__}")
    args = parser.parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=args.log_level)
    else:
        # stdout carries the protocol; pygls' own logging goes to stderr.
        logging.basicConfig(level=args.log_level)

    from spawnguard.server.app import build_server

    return serve(build_server())


def serve(server: SpawnguardServer) -> int:
    """Run `server` over stdio until `exit` (or the end of stdin); returns the exit code."""
    server.start_io()
    # pygls' `exit` handler raises SystemExit(1) when no `shutdown` came first, but its IO
    # loop swallows SystemExit; so the code is decided here (also when stdin just closes).
    return 0 if server.shutdown_requested else 1
