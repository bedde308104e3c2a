"""The real language server plus one read-only request, `spawnguard/debugState`, for tests.

The request answers what the server holds: each open document's text and version (so a
test can compare the server's copy with the client's after an edit stream), and the sizes
of the per-document caches and of pygls' table of running handlers (so a test can see that
closing a document frees them and that edits leave nothing behind). It lives here, not in
the shipped server: production has no way to read documents back.

Run as a script: `python tests/robustness/lsp_debug_server.py` (stdio, like `--stdio`).
"""

from __future__ import annotations

import threading
from typing import Any

from spawnguard.server import serve
from spawnguard.server.app import SpawnguardServer, build_server

DEBUG_STATE = "spawnguard/debugState"


def debug_state(ls: SpawnguardServer) -> dict[str, Any]:
    return {
        "documents": {
            document.uri: {"text": document.text, "version": document.version}
            for document in ls.documents
        },
        "notebooks": [notebook.uri for notebook in ls.notebooks],
        "results": len(ls.results),
        "parse_caches": len(ls.parse_caches),
        "fix_all_results": len(ls.fix_all_results),
        "threads": [thread.name for thread in threading.enumerate()],
        # Futures pygls keeps for handlers still running (cancellable requests).
        "pending_futures": len(ls.protocol._request_futures),
    }


def main() -> int:
    server = build_server()

    @server.feature(DEBUG_STATE)
    def state(ls: SpawnguardServer, params: Any) -> dict[str, Any]:
        return debug_state(ls)

    return serve(server)


if __name__ == "__main__":
    raise SystemExit(main())
