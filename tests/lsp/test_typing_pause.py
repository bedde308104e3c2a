"""SPG000 on the line being typed is held back until the typing pauses; nothing else waits."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from spawnguard.server.typing_pause import SYNTAX_ERROR_PAUSE

from .helpers import RecordingClient, open_and_wait, start, wait_for_publication
from .test_diagnostics import WORKER_SCRIPT

# The worker script (SPG101, SPG201, SPG501) and a last line the tests type over.
TEXT = WORKER_SCRIPT + "ready = True\n"
LAST_LINE = TEXT.count("\n") - 1  # 0-based
BROKEN_ELSEWHERE = TEXT + "value = (1,\n"


def type_last_line(client: RecordingClient, uri: str, version: int, typed: str) -> None:
    """Replace the last line's text, as VS Code sends a keystroke (an incremental change)."""
    line = types.Range(types.Position(LAST_LINE, 0), types.Position(LAST_LINE, 200))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=line, text=typed)],
        )
    )


def codes(params: types.PublishDiagnosticsParams) -> set[str]:
    return {str(d.code) for d in params.diagnostics}


async def test_a_half_typed_line_gets_its_syntax_error_after_the_pause(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path)
    opened = await open_and_wait(bare_client, tmp_path / "job.py", TEXT)
    others = codes(opened)
    assert {"SPG101", "SPG201"} <= others and "SPG000" not in others
    loop = asyncio.get_running_loop()
    index = len(bare_client.publications)
    typed_at = loop.time()
    type_last_line(bare_client, opened.uri, 2, "if ready")
    # At once: every other finding, without the syntax error of the line being typed.
    first = await wait_for_publication(bare_client, opened.uri, lambda p: p.version == 2,
                                       after=index)
    assert codes(first) == others
    # After the pause, with no newer edit: the syntax error, at the typed line.
    later = await wait_for_publication(
        bare_client, opened.uri, lambda p: p.version == 2 and "SPG000" in codes(p), after=index)
    arrived_after = loop.time() - typed_at
    assert arrived_after >= SYNTAX_ERROR_PAUSE - 0.05, arrived_after
    assert codes(later) == others | {"SPG000"}
    [syntax_error] = [d for d in later.diagnostics if d.code == "SPG000"]
    assert syntax_error.range.start.line == LAST_LINE


async def test_typing_on_never_flashes_the_syntax_error(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path)
    opened = await open_and_wait(bare_client, tmp_path / "job.py", TEXT)
    index = len(bare_client.publications)
    # Keystrokes closer together than the pause, ending in a line that parses.
    for version, typed in enumerate(["if r", "if rea", "if ready", "if ready: pass"], start=2):
        type_last_line(bare_client, opened.uri, version, typed)
        await asyncio.sleep(SYNTAX_ERROR_PAUSE / 4)
    await wait_for_publication(bare_client, opened.uri, lambda p: p.version == 5, after=index)
    await asyncio.sleep(SYNTAX_ERROR_PAUSE * 2)  # any held-back error would be out by now
    published = [p for p in bare_client.publications[index:] if p.uri == opened.uri]
    assert published and all("SPG000" not in codes(p) for p in published)


async def test_a_syntax_error_on_another_line_is_not_held(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path)
    opened = await open_and_wait(bare_client, tmp_path / "job.py", BROKEN_ELSEWHERE)
    assert "SPG000" in codes(opened)  # on open: at once
    index = len(bare_client.publications)
    type_last_line(bare_client, opened.uri, 2, "ready = False")
    first = await wait_for_publication(bare_client, opened.uri, lambda p: p.version == 2,
                                       after=index)
    assert "SPG000" in codes(first)
