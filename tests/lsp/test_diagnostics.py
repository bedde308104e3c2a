"""Diagnostics end to end: open/change/save/close, exact ranges in each position encoding,
what each diagnostic carries, stale versions, and a server that survives bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import to_fs_path

from spawnguard import __version__, engine
from spawnguard.server.settings import DEFAULT_DOCS_URL

from .helpers import (
    ENCODING_OF_CLIENT,
    RecordingClient,
    change_document,
    has_codes,
    lsp_range,
    open_and_wait,
    open_document,
    start,
    wait_for_publication,
)

WORKER_SCRIPT = (
    "import multiprocessing as mp\n"
    "\n"
    'p = mp.Process(target=lambda: print("hi"))\n'
    "p.start()\n"
    "p.join()\n"
)


# The core parses only files that may start workers (others cannot have findings, and a
# syntax error there is not reported either): texts that must be parsed start with this
# correct worker script, which has no findings of its own.
MENTIONS_WORKERS = (
    'from multiprocessing import Pool\nif __name__ == "__main__":\n    Pool(2).close()\n'
)
PREAMBLE_LINES = MENTIONS_WORKERS.count("\n")
REPO = Path(__file__).resolve().parents[2]


def core_range(text: str, code: str, encoding: str) -> types.Range:
    """The core's range for the finding `code` in `text`, converted by the test's oracle."""
    [finding] = [f for f in engine.analyze(text) if f.code == code]
    start, end = finding.range.start, finding.range.end
    return lsp_range(text, start.line, start.character, end.line, end.character, encoding)


def by_code(params: types.PublishDiagnosticsParams) -> dict[str, types.Diagnostic]:
    return {str(d.code): d for d in params.diagnostics}


async def test_syntax_error_on_open_then_fixed_then_closed(client: RecordingClient, tmp_path):
    text = MENTIONS_WORKERS + "value = (1,\n"
    published = await open_and_wait(client, tmp_path / "typing.py", text)
    assert published.version == 1
    [diagnostic] = published.diagnostics
    assert diagnostic.code == "SPG000"
    assert diagnostic.source == "spawnguard"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "never closed" in diagnostic.message
    # The error starts at the unclosed parenthesis (column 8); the range is the core's.
    assert diagnostic.range.start == types.Position(PREAMBLE_LINES, 8)
    assert diagnostic.range == core_range(text, "SPG000", "utf-16")

    uri = published.uri
    start_index = len(client.publications)
    change_document(client, uri, 2, MENTIONS_WORKERS + "value = (1,)\n")
    fixed = await wait_for_publication(client, uri, after=start_index)
    assert fixed.version == 2
    assert list(fixed.diagnostics) == []

    start_index = len(client.publications)
    change_document(client, uri, 3, text)
    again = await wait_for_publication(client, uri, after=start_index)
    assert [d.code for d in again.diagnostics] == ["SPG000"]

    start_index = len(client.publications)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    closed = await wait_for_publication(client, uri, after=start_index)
    assert list(closed.diagnostics) == []


async def test_rule_diagnostics_carry_code_link_related_and_ranges(client, tmp_path):
    published = await open_and_wait(client, tmp_path / "job.py", WORKER_SCRIPT)
    diagnostics = by_code(published)
    assert {"SPG101", "SPG201"} <= set(diagnostics)
    start = diagnostics["SPG101"]
    assert start.range == types.Range(types.Position(3, 0), types.Position(3, 9))  # p.start()
    assert start.severity == types.DiagnosticSeverity.Error
    lam = diagnostics["SPG201"]
    column = WORKER_SCRIPT.splitlines()[2].index("lambda")
    assert lam.range.start == types.Position(2, column)
    assert lam.range.end == types.Position(2, column + len('lambda: print("hi")'))
    for diagnostic in published.diagnostics:
        assert diagnostic.source == "spawnguard"
        assert diagnostic.code_description is not None
        # By default the code links to this version's rendered page in the repository.
        href = diagnostic.code_description.href
        assert href == f"{DEFAULT_DOCS_URL}/{diagnostic.code}.md"
        assert f"/blob/v{__version__}/" in href
        in_repo = REPO / href.split(f"/blob/v{__version__}/", 1)[1]
        assert in_repo.read_text(encoding="utf-8").startswith(f"# {diagnostic.code} ")
    # The server reports exactly what the core finds (same ranges, same messages as text).
    core = engine.analyze(WORKER_SCRIPT, path=str(tmp_path / "job.py"))
    assert sorted((f.code, f.plain_message) for f in core) == sorted(
        (str(d.code), d.message) for d in published.diagnostics
    )
    for finding in core:
        diagnostic = diagnostics[finding.code]
        if finding.related:
            assert diagnostic.related_information is not None
            assert [r.message for r in diagnostic.related_information] == [
                r.plain_message for r in finding.related
            ]
            assert all(r.location.uri == published.uri for r in diagnostic.related_information)


# A function defined inside the guard and sent to a Pool: SPG202's message and its related
# location's name code (`work`, `if __name__ == "__main__":`) in Markdown.
DEFINED_IN_GUARD = (
    "import multiprocessing as mp\n"
    "\n"
    'if __name__ == "__main__":\n'
    "    def work(x):\n"
    "        return x\n"
    "\n"
    "    with mp.Pool(2) as pool:\n"
    "        print(pool.map(work, [1, 2]))\n"
)


async def test_diagnostic_messages_are_plain_text(client, tmp_path):
    """Editors show `message` verbatim: the core's Markdown code spans lose their backticks
    there (the hover keeps them)."""
    path = tmp_path / "guarded.py"
    [finding] = engine.analyze(DEFINED_IN_GUARD, path=str(path))
    assert "`work`" in finding.message and "`work`" in finding.related[0].message
    published = await open_and_wait(client, path, DEFINED_IN_GUARD)
    [diagnostic] = published.diagnostics
    assert diagnostic.code == "SPG202"
    assert "`" not in diagnostic.message
    assert diagnostic.message.startswith("The function work is sent to worker processes")
    assert 'defined inside if __name__ == "__main__":, which' in diagnostic.message
    assert diagnostic.related_information is not None
    assert [r.message for r in diagnostic.related_information] == [
        "work is defined inside the main guard"
    ]


@pytest.mark.parametrize(
    ("docs_url", "expected"),
    [
        pytest.param("", None, id="shipped-pages"),
        pytest.param("https://example.org/v9/rules/", "https://example.org/v9/rules", id="url"),
    ],
)
async def test_docs_url_setting_moves_the_code_links(bare_client, tmp_path, docs_url, expected):
    """`docsUrl` is where codes link to; "" is the page shipped in the package (`file:`)."""
    await start(bare_client, "visual-studio-code", tmp_path,
                initialization_options={"docsUrl": docs_url})
    published = await open_and_wait(bare_client, tmp_path / "job.py", WORKER_SCRIPT)
    assert {"SPG101", "SPG201"} <= set(by_code(published))
    for diagnostic in published.diagnostics:
        assert diagnostic.code_description is not None
        href = diagnostic.code_description.href
        if expected is not None:
            assert href == f"{expected}/{diagnostic.code}.md"
            continue
        assert href.startswith("file:")
        page = Path(to_fs_path(href))
        assert page.read_text(encoding="utf-8").startswith(f"# {diagnostic.code} ")
    assert not bare_client.messages

# Lines where code points, UTF-16 units and UTF-8 bytes all differ before the reported column.
NON_ASCII_LINES = [
    pytest.param('s = "😀😀"  +  )\n', id="emoji"),
    pytest.param('s = "漢字かな"\t+ )\n', id="cjk-tab"),
    pytest.param('s = "\t😀é"\t+\t)\r\n', id="tabs-crlf"),
]


@pytest.mark.parametrize("line", NON_ASCII_LINES)
async def test_syntax_error_columns_in_negotiated_encoding(client, tmp_path, line):
    encoding = ENCODING_OF_CLIENT[client.client_name]
    text = MENTIONS_WORKERS.replace("\n", line[len(line.rstrip("\r\n")) :]) + line
    published = await open_and_wait(client, tmp_path / "columns.py", text)
    [diagnostic] = published.diagnostics
    code_line = line.rstrip("\r\n")
    column = code_line.index(")")
    line_number = PREAMBLE_LINES + 1
    assert (
        diagnostic.range.start
        == lsp_range(text, line_number, column, line_number, column, encoding).start
    )
    assert diagnostic.range == core_range(text, "SPG000", encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_rule_ranges_after_emoji_in_each_encoding(bare_client, tmp_path, encoding):
    result = await start(bare_client, "neovim", tmp_path, encodings=(encoding,))
    assert result.capabilities.position_encoding == encoding
    text = (
        "import multiprocessing as mp\r\n"
        "\r\n"
        'p = mp.Process(name="😀漢字", target=lambda: 0)\r\n'
        "p.start()\r\n"
    )
    published = await open_and_wait(bare_client, tmp_path / "emoji.py", text)
    lam = by_code(published)["SPG201"]
    line = text.split("\r\n")[2]
    column = line.index("lambda")
    assert lam.range == lsp_range(text, 3, column, 3, column + len("lambda: 0"), encoding)


async def test_incremental_edits_in_utf16_after_emoji_and_form_feed(bare_client, tmp_path):
    """Range edits land where the client means them: UTF-16 columns after astral
    characters, and lines counted as LSP counts them (a form feed is not a line break)."""
    await start(bare_client, "visual-studio-code", tmp_path)
    text = "\x0c" + MENTIONS_WORKERS + 'name = "😀"; value = (1,\nother = 2\n'
    published = await open_and_wait(bare_client, tmp_path / "incremental.py", text)
    assert [d.code for d in published.diagnostics] == ["SPG000"]
    # Insert ")" right after "(1,": in UTF-16 units the emoji counts 2.
    line = text.split("\n")[PREAMBLE_LINES]
    column = len(line[: line.index("(1,") + 3].encode("utf-16-le")) // 2
    start_index = len(bare_client.publications)
    bare_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=published.uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        types.Position(PREAMBLE_LINES, column),
                        types.Position(PREAMBLE_LINES, column),
                    ),
                    text=")",
                )
            ],
        )
    )
    fixed = await wait_for_publication(bare_client, published.uri, after=start_index)
    assert fixed.version == 2
    assert list(fixed.diagnostics) == []


async def test_never_publishes_a_superseded_version(client, tmp_path):
    """A burst of changes: every publication is for a version that was current when it
    was sent, versions never go backwards, and the last one is for the last change."""
    big = MENTIONS_WORKERS + Path(__import__("argparse").__file__).read_text(encoding="utf-8")
    uri = open_document(client, tmp_path / "big.py", big)
    versions = list(range(2, 30))
    for version in versions:
        change_document(client, uri, version, big + f"\nvalue = ({version}\n" * (version % 2))
    last = await wait_for_publication(client, uri, lambda p: p.version == versions[-1])
    # Odd versions end with an unclosed parenthesis; the last one (29) is odd.
    assert [d.code for d in last.diagnostics] == ["SPG000"]
    published_versions = [p.version for p in client.publications if p.uri == uri]
    assert published_versions == sorted(published_versions)
    # Fewer analyses than changes: superseded versions were dropped, not queued.
    assert len(published_versions) < len(versions)


async def test_survives_bad_input(client, tmp_path):
    """NUL bytes, lone surrogates, absurd nesting and a huge line do not stop the server."""
    bad_texts = {
        "nul.py": "x = 1\x00\n",
        "surrogate.py": 'x = "\ud800"\n',
        "nesting.py": "x = " + "(" * 500 + "1" + ")" * 500 + "\n",
        "deep_lists.py": "x = " + "[" * 150 + "]" * 150 + "\n",
        "long_line.py": "x = " + " + ".join(["1"] * 20000) + "\n",
        "deep_calls.py": "p = " + "Process(" * 150 + ")" * 150 + "\np.start()\n",
    }
    for name, bad_text in bad_texts.items():
        text = MENTIONS_WORKERS + bad_text
        start_index = len(client.publications)
        uri = (tmp_path / name).as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        await wait_for_publication(client, uri, after=start_index)
    # Still answering, with correct results, for a normal file.
    published = await open_and_wait(client, tmp_path / "after.py", WORKER_SCRIPT)
    assert "SPG101" in by_code(published)
    assert not client.messages  # nothing popped up


async def test_imported_module_is_seen_from_disk_and_from_its_buffer(client, tmp_path):
    """Cross-file findings as `spawnguard check` gives them (SPG103), with an open
    buffer's text winning over the file on disk."""
    (tmp_path / "pool_at_import.py").write_text(
        "from multiprocessing import Pool\nPOOL = Pool(2)\n", encoding="utf-8"
    )
    main = await open_and_wait(client, tmp_path / "main.py", "import pool_at_import\n",
                               until=has_codes("SPG103"))
    [diagnostic] = main.diagnostics
    assert diagnostic.code == "SPG103"
    assert diagnostic.range.start == types.Position(0, 0)
    # The module, opened and fixed in the editor (not saved): the importer is fine once saved.
    fixed_module = 'from multiprocessing import Pool\nif __name__ == "__main__":\n    Pool(2)\n'
    module_uri = open_document(client, tmp_path / "pool_at_import.py", fixed_module)
    (tmp_path / "pool_at_import.py").write_text(
        "from multiprocessing import Pool\nPOOL = Pool(2)\n", encoding="utf-8"
    )  # the disk still has the old text
    start_index = len(client.publications)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(module_uri))
    )
    again = await wait_for_publication(client, main.uri, after=start_index)
    assert list(again.diagnostics) == []


async def test_the_analysed_file_is_never_imported_or_run(client, tmp_path):
    """Diagnostics, hover (jedi) and code actions on a file whose top level writes a marker,
    and on a module it imports that would too: no marker appears."""
    marker = tmp_path / "marker.txt"
    (tmp_path / "helper_module.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n"
        "from multiprocessing import Pool\nPOOL = Pool(2)\n",
        encoding="utf-8",
    )
    text = f"import helper_module\nopen({str(marker)!r}, 'w').write('ran')\n" + WORKER_SCRIPT
    published = await open_and_wait(client, tmp_path / "writes_marker.py", text,
                                    until=has_codes("SPG103"))
    assert {"SPG101", "SPG103"} <= set(by_code(published))
    await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(published.uri), types.Position(0, 9))
    )
    diagnostic = by_code(published)["SPG101"]
    await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(published.uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert not marker.exists()
