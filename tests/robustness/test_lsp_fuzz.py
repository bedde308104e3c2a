"""The language server under malformed, out-of-order and random messages, and its resources.

Driven over stdio by a raw JSON-RPC client (`lsp_driver.py`: pytest-lsp's client refuses to
send invalid things) talking to the real server plus a read-only debug request that returns
its copy of each document (`lsp_debug_server.py`).

What the server promises, and these tests check:
- it never crashes, and answers every request: with a result, or with an LSP error
  (InvalidParams for params that do not fit the method, MethodNotFound for unknown methods,
  RequestCancelled for a cancelled request), never with silence;
- a change or close for a URI that is not open is dropped; a change whose version is lower
  than the document's is dropped; a second `didOpen` replaces the text; a range past the end
  of the document or of a line is clamped to that end; a column inside a surrogate pair
  counts as the end of that character; notebook messages for unknown notebooks are dropped;
- each of these is logged (`window/logMessage`), never shown as a pop-up (`showMessage`);
- for every valid stream of incremental edits, its text equals the client's (hypothesis
  streams over emoji, CJK and CRLF texts, in UTF-16 and UTF-8);
- memory does not grow with the number of edits, and closing a document frees its caches;
- `shutdown` then `exit` ends the process with 0 promptly, `exit` alone with 1, and no
  child process outlives it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp.helpers import lsp_lines, offset_of, units

from robustness.lsp_driver import (
    Message,
    RawClient,
    did_change,
    did_open,
    edit,
    position,
    range_,
)

REQUEST_CANCELLED = -32800
INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601

WORKER_SCRIPT = """import multiprocessing as mp


def work(item):
    return item * 2


pool = mp.Pool(2)
print(pool.map(work, range(4)))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RawClient]:
    client = RawClient(cwd=tmp_path)
    client.initialize(tmp_path)
    yield client
    client.kill()


def wait_for_log(client: RawClient, pattern: str, timeout: float = 10.0) -> str:
    found = client.wait_for(
        lambda m: (
            m.get("method") == "window/logMessage"
            and re.search(pattern, m["params"]["message"]) is not None
        ),
        timeout=timeout,
    )
    return found["params"]["message"]


def is_answer(response: Message) -> bool:
    return ("result" in response) != ("error" in response)


# --- malformed and out-of-order messages -------------------------------------------------------


def test_changes_to_unknown_uris_are_dropped_and_logged(server: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "never_opened.py").as_uri()
    server.notify("textDocument/didChange", did_change(uri, 2, edit((0, 0), (0, 0), "x = 1\n")))
    wait_for_log(server, r"change to .*never_opened\.py, which is not open: dropped")
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    wait_for_log(server, r"close of .*never_opened\.py, which is not open")
    assert server.document_text(uri) is None
    # Requests about it are answered (nothing to say), not left waiting.
    hover = server.call(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(0, 0)}
    )
    assert hover.get("result") is None and "error" not in hover
    action = server.call(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": range_((0, 0), (0, 0)),
            "context": {"diagnostics": []},
        },
    )
    assert is_answer(action)
    assert not server.popups()


def test_change_before_open_does_not_leak_into_the_opened_text(
    server: RawClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "early.py").as_uri()
    server.notify("textDocument/didChange", did_change(uri, 1, edit((0, 0), (0, 0), "EARLY")))
    server.notify("textDocument/didOpen", did_open(uri, "a = 1\n", version=2))
    assert server.document_text(uri) == "a = 1\n"
    assert server.document_version(uri) == 2


@pytest.mark.parametrize(
    ("encoding", "change", "expected"),
    [
        # Past the last line: clamped to the end of the document.
        ("utf-16", edit((9, 0), (12, 4), "END"), "a = 1\nb = '😀中'\nEND"),
        # Past the end of a line: clamped to the end of that line.
        ("utf-16", edit((0, 99), (0, 120), "!"), "a = 1!\nb = '😀中'\n"),
        ("utf-8", edit((1, 50), (1, 60), "!"), "a = 1\nb = '😀中'!\n"),
        # Start past the end, end inside: the range between the two.
        ("utf-16", edit((5, 0), (1, 0), ""), "a = 1\n"),
        # Huge (but valid uinteger) positions.
        (
            "utf-16",
            edit((2**31 - 1, 2**31 - 1), (2**31 - 1, 2**31 - 1), "Z"),
            "a = 1\nb = '😀中'\nZ",
        ),
    ],
)
def test_ranges_past_the_end_are_clamped_and_logged(
    tmp_path: Path, encoding: str, change: Message, expected: str
) -> None:
    client = RawClient(cwd=tmp_path)
    try:
        client.initialize(tmp_path, position_encodings=[encoding])
        uri = (tmp_path / "clamp.py").as_uri()
        client.notify("textDocument/didOpen", did_open(uri, "a = 1\nb = '😀中'\n"))
        client.notify("textDocument/didChange", did_change(uri, 2, change))
        assert client.document_text(uri) == expected
        wait_for_log(client, r"clamp\.py: a change's range .* is past the end: clamped")
        assert not client.popups()
    finally:
        client.kill()


def test_a_column_inside_a_surrogate_pair_counts_as_the_end_of_the_character(
    server: RawClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "pair.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, "s = '😀x'\n"))
    # UTF-16 column 6 is between the two halves of 😀 (columns 5-6).
    server.notify("textDocument/didChange", did_change(uri, 2, edit((0, 6), (0, 6), "|")))
    assert server.document_text(uri) == "s = '😀|x'\n"
    # A range from inside the pair to inside it again is empty: nothing is deleted.
    server.notify("textDocument/didChange", did_change(uri, 3, edit((0, 6), (0, 6), "")))
    assert server.document_text(uri) == "s = '😀|x'\n"


def test_versions_going_backwards_are_ignored(server: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "versions.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, "a = 1\n", version=5))
    server.notify("textDocument/didChange", did_change(uri, 4, edit((0, 0), (0, 0), "OLD")))
    wait_for_log(server, r"version 4, older than its version 5: dropped")
    assert server.document_text(uri) == "a = 1\n"
    assert server.document_version(uri) == 5
    server.notify("textDocument/didChange", did_change(uri, 6, edit((0, 0), (0, 0), "new")))
    assert server.document_text(uri) == "newa = 1\n"
    assert server.document_version(uri) == 6
    assert not server.popups()


def test_duplicated_did_open_replaces_the_text(server: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "twice.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, "first = 1\n"))
    server.notify("textDocument/didOpen", did_open(uri, "second = 2\n", version=3))
    wait_for_log(server, r"twice\.py opened again")
    assert server.document_text(uri) == "second = 2\n"
    assert server.document_version(uri) == 3


BAD_REQUESTS: list[tuple[str, Any]] = [
    ("textDocument/hover", None),
    ("textDocument/hover", {}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": position(-1, 0)}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": position(0, -3)}),
    (
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.py"}, "position": position(2**40, 0)},
    ),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": "here"}),
    ("textDocument/hover", [1, 2, 3]),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.py"}}),
    (
        "textDocument/codeAction",
        {"textDocument": {"uri": "file:///x.py"}, "range": None, "context": {}},
    ),
    ("shutdownn", {}),
    (
        "textDocument/definition",
        {"textDocument": {"uri": "file:///x.py"}, "position": position(0, 0)},
    ),
    ("$/somethingCustom", {}),
    ("workspace/executeCommand", {"command": "spawnguard.nothing"}),
]


def test_requests_with_bad_params_or_unknown_methods_are_answered(
    server: RawClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "open.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, WORKER_SCRIPT))
    for method, params in BAD_REQUESTS:
        response = server.call(method, params, timeout=10)
        assert is_answer(response), (method, params, response)
        assert "error" in response, (method, params, response)
        assert response["error"]["code"] in (INVALID_PARAMS, METHOD_NOT_FOUND, -32603), response
    # Read leniently (the number becomes a URI of no open document): answered, with nothing.
    lenient = server.call(
        "textDocument/hover", {"textDocument": {"uri": 7}, "position": position(0, 0)}
    )
    assert is_answer(lenient), lenient
    # A request for an open document, with extreme but valid positions, gets a result.
    for where in (position(0, 2**31 - 1), position(2**31 - 1, 0), position(2**31 - 1, 2**31 - 1)):
        response = server.call(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": where}
        )
        assert "result" in response, response
        response = server.call(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": position(0, 0), "end": where},
                "context": {"diagnostics": []},
            },
        )
        assert "result" in response, response
    wait_for_log(server, r"malformed request 'textDocument/hover'")
    assert not server.popups()
    assert server.document_text(uri) == WORKER_SCRIPT


def test_malformed_notifications_are_logged_and_change_nothing(
    server: RawClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "stay.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, "a = 1\n"))
    bad_changes: list[Any] = [
        {"textDocument": {"uri": uri, "version": 2}},  # no contentChanges
        {"textDocument": {"uri": uri, "version": None}, "contentChanges": [{"text": "x"}]},
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {}, "text": "x"}],
        },
        did_change(uri, 2, edit((-1, 0), (0, 0), "neg")),
        did_change(uri, 2, {"range": range_((0, 0), (0, 1))}),  # no text
        did_change(uri, 2, {"range": range_((0, 0), (0, "one")), "text": "x"}),
        None,
    ]
    for params in bad_changes:
        server.notify("textDocument/didChange", params)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri}})
    server.notify("textDocument/didClose", {})
    server.notify("workspace/didChangeWatchedFiles", {"changes": "all"})
    server.notify("no/such/notification", {"x": 1})
    server.send_raw(b"{not json")
    server.send({"jsonrpc": "2.0", "method": 42})
    assert server.document_text(uri) == "a = 1\n"
    wait_for_log(server, r"malformed message 'textDocument/didChange'")
    assert not server.popups()


def test_notebook_messages_for_unknown_notebooks_are_dropped(
    server: RawClient, tmp_path: Path
) -> None:
    notebook = (tmp_path / "ghost.ipynb").as_uri()
    cell = "vscode-notebook-cell:" + (tmp_path / "ghost.ipynb").as_posix() + "#W0"
    server.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": notebook, "version": 2},
            "change": {
                "cells": {
                    "structure": {
                        "array": {"start": 5, "deleteCount": 3, "cells": []},
                        "didClose": [{"uri": cell}],
                    },
                    "textContent": [
                        {
                            "document": {"uri": cell, "version": 2},
                            "changes": [{"range": range_((0, 0), (0, 0)), "text": "x"}],
                        }
                    ],
                }
            },
        },
    )
    wait_for_log(server, r"change to notebook .*ghost\.ipynb, which is not open: dropped")
    server.notify("notebookDocument/didSave", {"notebookDocument": {"uri": notebook}})
    server.notify(
        "notebookDocument/didClose",
        {"notebookDocument": {"uri": notebook}, "cellTextDocuments": [{"uri": cell}]},
    )
    wait_for_log(server, r"close of vscode-notebook-cell:.*, which is not open")
    hover = server.call(
        "textDocument/hover", {"textDocument": {"uri": cell}, "position": position(0, 0)}
    )
    assert hover.get("result") is None and "error" not in hover
    assert server.alive()
    assert not server.popups()


def test_malformed_notebooks_are_dropped_and_the_next_one_is_analysed(
    server: RawClient, tmp_path: Path
) -> None:
    """The server never reads `.ipynb` JSON (the editor sends the cells, unlike the CLI's
    notebook parsing): a notebook sent in the wrong shape is one more malformed message."""
    cell = "vscode-notebook-cell:" + (tmp_path / "bad.ipynb").as_posix() + "#W0"
    notebook = {"uri": (tmp_path / "bad.ipynb").as_uri(), "notebookType": "jupyter-notebook",
                "version": 1}
    text_item = {"uri": cell, "languageId": "python", "version": 1, "text": WORKER_SCRIPT}
    for params in [
        {"notebookDocument": {**notebook, "cells": None}, "cellTextDocuments": [text_item]},
        {"notebookDocument": {**notebook, "cells": [1, "x"]}, "cellTextDocuments": [text_item]},
        {"notebookDocument": {**notebook, "cells": [{"kind": 9, "document": cell}]},
         "cellTextDocuments": [text_item]},
        {"notebookDocument": {**notebook, "cells": [{"kind": 2, "document": cell}]}},
    ]:
        server.notify("notebookDocument/didOpen", params)
    state = server.result("spawnguard/debugState", {})
    assert (state["notebooks"], state["documents"]) == ([], {})
    dropped = "malformed message 'notebookDocument/didOpen'"
    assert len([log for log in server.logs() if dropped in log]) == 4
    # The same cells, well formed: analysed (SPG401: `work` is defined in the notebook).
    server.notify("notebookDocument/didOpen", {
        "notebookDocument": {**notebook, "cells": [{"kind": 2, "document": cell}]},
        "cellTextDocuments": [text_item],
    })
    published = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == cell)
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["SPG401"]
    assert not server.popups()


def test_cancel_for_unknown_ids_is_harmless(server: RawClient) -> None:
    for request_id in (9999, "not-a-request", -1):
        server.notify("$/cancelRequest", {"id": request_id})
    server.notify("$/cancelRequest", {})
    assert server.alive()


# --- random valid edit streams -----------------------------------------------------------------

ALPHABET = "ab_ (:)=\t'\"#😀𝔘中文é\r\n"
SNIPPETS = [
    "",
    "x",
    "😀",
    "中文",
    "\r\n",
    "\n",
    "\r",
    "é𝔘",
    "def f():\n    pass\n",
    "\t",
    "😀\r\n中",
]
BASE_TEXTS = [
    WORKER_SCRIPT,
    WORKER_SCRIPT.replace("\n", "\r\n"),
    "s = '😀中文'\r\nt = '𝔘'\n\nu = 1\r",
    "",
    "# 中文注释 😀😀\nimport multiprocessing as mp\r\np = mp.Process(target=lambda: 0)\np.start()",
]
STREAM_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
STREAM_COUNTS: dict[str, int] = {"streams": 0, "messages": 0, "changes": 0}


@st.composite
def range_change(draw: st.DrawFn, text: str, encoding: str) -> tuple[Message, str]:
    """One valid incremental change of `text` (columns at character boundaries), and the
    text after it as the client computes it."""
    lines = lsp_lines(text)
    start_line = draw(st.integers(0, len(lines) - 1))
    end_line = draw(st.integers(start_line, min(start_line + 3, len(lines) - 1)))
    start = draw(st.integers(0, len(lines[start_line])))
    low = start if end_line == start_line else 0
    end = draw(st.integers(low, max(low, len(lines[end_line]))))
    new_text = draw(st.one_of(st.sampled_from(SNIPPETS), st.text(ALPHABET, max_size=12)))
    lsp_start = position(start_line, units(lines[start_line], start, encoding))
    lsp_end = position(end_line, units(lines[end_line], end, encoding))
    change = {"range": {"start": lsp_start, "end": lsp_end}, "text": new_text}
    start_offset = offset_of(text, _position(lsp_start), encoding)
    end_offset = offset_of(text, _position(lsp_end), encoding)
    return change, text[:start_offset] + new_text + text[end_offset:]


def _position(raw: Message) -> Any:
    from lsprotocol import types

    return types.Position(raw["line"], raw["character"])


@pytest.fixture(scope="module", params=["utf-16", "utf-8"])
def stream_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("streams")
    client = RawClient(cwd=root)
    result = client.initialize(root, position_encodings=[request.param])
    assert result["capabilities"].get("positionEncoding", "utf-16") == request.param
    yield client, request.param, root
    assert client.shutdown_and_exit() == 0


@STREAM_SETTINGS
@given(data=st.data())
def test_random_edit_streams_keep_the_server_text_equal_to_the_client(
    stream_server: tuple[RawClient, str, Path], data: st.DataObject
) -> None:
    client, encoding, root = stream_server
    STREAM_COUNTS["streams"] += 1
    uri = (root / f"stream_{STREAM_COUNTS['streams']}.py").as_uri()
    text = data.draw(st.sampled_from(BASE_TEXTS))
    client.notify("textDocument/didOpen", did_open(uri, text))
    for version in range(2, data.draw(st.integers(3, 16))):
        changes = []
        for _ in range(data.draw(st.integers(1, 3))):
            if data.draw(st.integers(0, 19)) == 0:
                text = data.draw(st.sampled_from(BASE_TEXTS))
                changes.append({"text": text})
            else:
                change, text = data.draw(range_change(text, encoding))
                changes.append(change)
        client.notify("textDocument/didChange", did_change(uri, version, *changes))
        STREAM_COUNTS["messages"] += 1
        STREAM_COUNTS["changes"] += len(changes)
        assert client.document_text(uri) == text, f"diverged at version {version}"
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert not [log for log in client.logs() if "clamped" in log or "dropped" in log]


def test_edit_stream_counts() -> None:
    """Runs after the streams (file order): both encodings ran their examples."""
    print(f"\nLSP edit streams: {STREAM_COUNTS}")
    assert STREAM_COUNTS["streams"] >= 2 * 300, STREAM_COUNTS


# --- resources ---------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def wait_until_quiet(client: RawClient, quiet: float = 0.5, timeout: float = 60.0) -> None:
    """Until no diagnostics have arrived for `quiet` seconds (analyses have settled)."""
    deadline = time.monotonic() + timeout
    count = -1
    while time.monotonic() < deadline:
        current = len(client.notifications("textDocument/publishDiagnostics"))
        if current == count:
            return
        count = current
        time.sleep(quiet)
    raise AssertionError("diagnostics never settled")


def test_memory_stays_bounded_and_closing_frees_the_caches(tmp_path: Path) -> None:
    documents, edits = 30, 500
    client = RawClient(cwd=tmp_path)
    try:
        client.initialize(tmp_path)
        uris = [(tmp_path / f"doc_{n}.py").as_uri() for n in range(documents)]
        for uri in uris:
            client.notify("textDocument/didOpen", did_open(uri, WORKER_SCRIPT * 20))
        versions = dict.fromkeys(uris, 1)
        # Each document gets a line inserted (often inside a function body: a syntax error
        # that lasts while the next edits come), then the same line removed, and so on:
        # its size stays the same, so memory that grows counts versions, not text.
        inserted: dict[str, int | None] = dict.fromkeys(uris)

        def edit_round(count: int) -> None:
            for n in range(count):
                uri = uris[n % documents]
                versions[uri] += 1
                line = inserted[uri]
                if line is None:
                    line = inserted[uri] = 8 + (n * 7) % 150
                    change = edit((line, 0), (line, 0), f"x_{n} = '😀中'\n")
                else:
                    inserted[uri] = None
                    change = edit((line, 0), (line + 1, 0), "")
                client.notify("textDocument/didChange", did_change(uri, versions[uri], change))
                # Now and then, ask what a user's editor asks while typing.
                if n % 25 == 0:
                    client.call(
                        "textDocument/codeAction",
                        {
                            "textDocument": {"uri": uri},
                            "range": range_((7, 0), (8, 0)),
                            "context": {"diagnostics": []},
                        },
                    )

        edit_round(edits // 5)  # warm-up: caches and interned objects reach their size
        wait_until_quiet(client)
        before = rss_kib(client.process.pid)
        edit_round(edits)
        wait_until_quiet(client)
        after = rss_kib(client.process.pid)
        print(f"\nRSS after warm-up {before} KiB, after {edits} more edits {after} KiB")
        # Before the fixes, 500 edits added over 130 MB (each version's parses chained
        # through cached SyntaxErrors' tracebacks, and a pygls future per notification).
        assert after - before < 25 * 1024, (before, after)
        state = client.result("spawnguard/debugState", {})
        assert state["pending_futures"] <= 2, state["pending_futures"]

        state = client.result("spawnguard/debugState", {})
        assert len(state["documents"]) == documents
        assert state["results"] > 0 and state["parse_caches"] > 0
        # Close everything, some while their analysis runs (a change just before).
        for uri in uris:
            versions[uri] += 1
            client.notify(
                "textDocument/didChange",
                did_change(uri, versions[uri], edit((0, 0), (0, 0), "#\n")),
            )
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        wait_until_quiet(client)
        state = client.result("spawnguard/debugState", {})
        assert state["documents"] == {}
        assert (state["results"], state["parse_caches"], state["fix_all_results"]) == (0, 0, 0)
    finally:
        client.kill()


# --- cancellation and shutdown -----------------------------------------------------------------


def big_worker_text() -> str:
    import multiprocessing.pool

    return Path(multiprocessing.pool.__file__).read_text(encoding="utf-8") * 30 + WORKER_SCRIPT


def test_requests_cancelled_while_busy_are_answered(server: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "big.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, big_worker_text()))
    request_ids = []
    for line in range(6):
        request_ids.append(
            server.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": range_((line, 0), (line, 0)),
                    "context": {"diagnostics": []},
                },
            )
        )
        request_ids.append(
            server.request(
                "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(line, 1)}
            )
        )
    for request_id in request_ids:
        server.notify("$/cancelRequest", {"id": request_id})
    responses = [server.response(request_id, timeout=60) for request_id in request_ids]
    for response in responses:
        assert is_answer(response), response
        if "error" in response:
            assert response["error"]["code"] == REQUEST_CANCELLED, response
    assert any("error" in response for response in responses), "nothing was cancelled"
    # Cancelling an answered request is harmless; the server still answers afterwards.
    server.notify("$/cancelRequest", {"id": request_ids[0]})
    after = server.call(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(0, 1)}, timeout=60
    )
    assert "result" in after, after
    assert not server.popups()


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_shutdown_then_exit_ends_with_0_promptly_even_while_busy(tmp_path: Path) -> None:
    client = RawClient(cwd=tmp_path)
    try:
        client.initialize(tmp_path)
        uri = (tmp_path / "busy.py").as_uri()
        client.notify("textDocument/didOpen", did_open(uri, big_worker_text()))
        hover = client.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(3, 2)}
        )
        children = descendants(client.process.pid)
        started = time.monotonic()
        shutdown = client.call("shutdown", timeout=30)
        assert shutdown.get("result") is None and "error" not in shutdown
        client.notify("exit")
        assert client.process.wait(timeout=15) == 0
        elapsed = time.monotonic() - started
        assert elapsed < 10, elapsed
        assert not [pid for pid in children if alive(pid)]
        # The in-flight hover was answered (cancelled by the shutdown) or its answer was
        # cut by the exit; either way nothing hung.
        responses = [m for m in client.messages if m.get("id") == hover and "method" not in m]
        assert all(is_answer(response) for response in responses)
    finally:
        client.kill()


def test_exit_without_shutdown_ends_with_1(server: RawClient) -> None:
    server.notify("exit")
    assert server.process.wait(timeout=10) == 1


def test_requests_after_shutdown_get_no_work_done_and_exit_still_works(
    server: RawClient, tmp_path: Path
) -> None:
    assert "error" not in server.call("shutdown")
    uri = (tmp_path / "late.py").as_uri()
    server.notify("textDocument/didOpen", did_open(uri, WORKER_SCRIPT))
    server.notify("exit")
    assert server.process.wait(timeout=10) == 0
    assert not server.notifications("textDocument/publishDiagnostics")


def test_end_of_input_without_exit_ends_the_process(server: RawClient) -> None:
    stdin = server.process.stdin
    assert stdin is not None
    stdin.close()
    assert server.process.wait(timeout=10) == 1
