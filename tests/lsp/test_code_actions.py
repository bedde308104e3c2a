"""Code actions end to end: the core's fixes, edit for edit; the CLI's --fix for "Fix all"."""

from __future__ import annotations

from lsprotocol import types

from spawnguard import engine
from spawnguard.fixes.apply import apply_edits

from .helpers import (
    ENCODING_OF_CLIENT,
    RecordingClient,
    apply_lsp_edits,
    lsp_range,
    open_and_wait,
    start,
)
from .test_diagnostics import WORKER_SCRIPT, by_code

# The worker script with non-ASCII text before the fixed code and CRLF line ends: the edits
# must still land exactly (UTF-16 for VS Code, UTF-8 for Neovim).
EMOJI_SCRIPT = (
    "import multiprocessing as mp\r\n"
    "\r\n"
    'p = mp.Process(name="😀漢字", target=lambda: print("é"))\r\n'
    "p.start()\r\n"
    "p.join()\r\n"
)


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    """The text edits an action makes to `uri`, from `documentChanges` or `changes`."""
    edit = action.edit
    assert edit is not None
    if edit.document_changes is not None:
        return [
            e
            for change in edit.document_changes
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
            for e in change.edits
        ]
    assert edit.changes is not None
    return list(edit.changes.get(uri, []))


async def request_actions(
    client: RecordingClient,
    uri: str,
    range_: types.Range,
    diagnostics: list[types.Diagnostic],
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def test_quick_fixes_are_the_core_fixes_edit_for_edit(client, tmp_path):
    encoding = ENCODING_OF_CLIENT[client.client_name]
    path = tmp_path / "job.py"
    published = await open_and_wait(client, path, EMOJI_SCRIPT)
    uri = published.uri
    findings = {f.code: f for f in engine.analyze(EMOJI_SCRIPT, path=str(path))}
    for code in ("SPG101", "SPG201"):
        diagnostic = by_code(published)[code]
        actions = await request_actions(client, uri, diagnostic.range, [diagnostic])
        quick_fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
        finding = findings[code]
        # Every fix of this finding is offered, titled as the core titles it.
        mine = [a for a in quick_fixes if a.diagnostics and a.diagnostics[0].code == code]
        assert [a.title for a in mine] == [fix.title for fix in finding.fixes]
        assert any(a.title == f"Ignore {code} on this line" for a in mine)
        for action, fix in zip(mine, finding.fixes, strict=True):
            assert bool(action.is_preferred) == (fix.preferred and not fix.is_suppression)
            # Applied by the client, the action gives exactly the core's fix.
            applied = apply_lsp_edits(EMOJI_SCRIPT, edits_of(action, uri), encoding)
            assert applied == apply_edits(EMOJI_SCRIPT, fix.edits)
        if code == "SPG101":
            assert any(a.is_preferred for a in mine)


async def test_fix_all_gives_the_cli_fixed_file(client, tmp_path):
    encoding = ENCODING_OF_CLIENT[client.client_name]
    path = tmp_path / "job.py"
    published = await open_and_wait(client, path, EMOJI_SCRIPT)
    whole = lsp_range(EMOJI_SCRIPT, 1, 0, 5, 0, encoding)
    actions = await request_actions(
        client, published.uri, whole, list(published.diagnostics), only=["source.fixAll"]
    )
    [fix_all] = actions
    assert fix_all.title == "Fix all spawnguard problems"
    assert fix_all.kind == "source.fixAll.spawnguard"
    applied = apply_lsp_edits(EMOJI_SCRIPT, edits_of(fix_all, published.uri), encoding)
    assert applied == engine.fix_text(EMOJI_SCRIPT, path=str(path)).text
    assert applied != EMOJI_SCRIPT


async def test_actions_follow_the_requested_range_and_kinds(client, tmp_path):
    published = await open_and_wait(client, tmp_path / "job.py", WORKER_SCRIPT)
    uri = published.uri
    # A cursor on line 5 (`p.join()`) touches no finding's range: no quick fix.
    cursor = types.Range(types.Position(4, 2), types.Position(4, 2))
    actions = await request_actions(client, uri, cursor, [], only=["quickfix"])
    assert actions == []
    # A cursor inside `p.start()`: only SPG101's fixes.
    cursor = types.Range(types.Position(3, 3), types.Position(3, 3))
    actions = await request_actions(client, uri, cursor, [], only=["quickfix"])
    fixes = [a for a in actions if a.title != "Fix all spawnguard problems"]
    assert fixes and {a.diagnostics[0].code for a in fixes} == {"SPG101"}
    # Asking for source actions only gives no quick fixes.
    actions = await request_actions(client, uri, cursor, [], only=["source"])
    assert [a.kind for a in actions] == ["source.fixAll.spawnguard"]


async def test_versioned_edits_where_the_client_supports_them(client, tmp_path):
    published = await open_and_wait(client, tmp_path / "job.py", WORKER_SCRIPT, version=7)
    diagnostic = by_code(published)["SPG101"]
    [action, *_] = await request_actions(client, published.uri, diagnostic.range, [diagnostic])
    assert action.edit is not None
    if client.client_name == "visual-studio-code":  # documentChanges supported
        [change] = action.edit.document_changes
        assert change.text_document.uri == published.uri
        assert change.text_document.version == 7
        assert action.edit.changes is None
    else:  # Neovim's profile does not take documentChanges
        assert action.edit.document_changes is None
        assert list(action.edit.changes) == [published.uri]


ONE_FIXABLE_SCRIPT = (
    "from multiprocessing import Pool\n"
    "\n"
    "with Pool(2) as pool:\n"
    "    pool.map(abs, [-1, -2])\n"
)


async def test_fix_all_is_a_quick_fix_when_more_than_one_finding_is_fixable(client, tmp_path):
    """Ctrl+. lists "Fix all" last, with the same edit as the source action, on a file with
    two fixable findings; not on a file with one (the finding's own fix is the same)."""
    encoding = ENCODING_OF_CLIENT[client.client_name]
    path = tmp_path / "job.py"
    assert sum(f.preferred_fix is not None for f in engine.analyze(EMOJI_SCRIPT)) > 1
    published = await open_and_wait(client, path, EMOJI_SCRIPT)
    diagnostic = by_code(published)["SPG101"]
    actions = await request_actions(
        client, published.uri, diagnostic.range, [diagnostic], only=["quickfix"]
    )
    quick_fix_all = actions[-1]
    assert quick_fix_all.title == "Fix all spawnguard problems"
    assert quick_fix_all.kind == types.CodeActionKind.QuickFix
    assert not quick_fix_all.is_preferred  # the finding's own fix stays the preferred one
    applied = apply_lsp_edits(EMOJI_SCRIPT, edits_of(quick_fix_all, published.uri), encoding)
    assert applied == engine.fix_text(EMOJI_SCRIPT, path=str(path)).text
    # On a line without a finding there is nothing to fix, so no "Fix all" either.
    blank = types.Range(types.Position(1, 0), types.Position(1, 0))
    assert await request_actions(client, published.uri, blank, [], only=["quickfix"]) == []

    one = tmp_path / "one.py"
    assert sum(f.preferred_fix is not None for f in engine.analyze(ONE_FIXABLE_SCRIPT)) == 1
    published = await open_and_wait(client, one, ONE_FIXABLE_SCRIPT)
    diagnostic = by_code(published)["SPG101"]
    actions = await request_actions(
        client, published.uri, diagnostic.range, [diagnostic], only=["quickfix"]
    )
    assert actions and all(a.title != "Fix all spawnguard problems" for a in actions)


async def test_fix_all_for_code_actions_on_save(bare_client, tmp_path):
    """`editor.codeActionsOnSave` asks for `source.fixAll.spawnguard` (or `source.fixAll`)
    over the whole file, without diagnostics: the server answers with the one fix-all action,
    and the server's capabilities name that kind (clients only ask servers that do)."""
    client = bare_client
    result = await start(client, "visual-studio-code", tmp_path)
    provider = result.capabilities.code_action_provider
    assert isinstance(provider, types.CodeActionOptions)
    assert "source.fixAll.spawnguard" in (provider.code_action_kinds or [])
    encoding = "utf-16"
    path = tmp_path / "job.py"
    published = await open_and_wait(client, path, ONE_FIXABLE_SCRIPT)
    whole = lsp_range(ONE_FIXABLE_SCRIPT, 1, 0, 5, 0, encoding)
    for only in (["source.fixAll.spawnguard"], ["source.fixAll"]):
        [action] = await request_actions(client, published.uri, whole, [], only=only)
        assert action.kind == "source.fixAll.spawnguard"
        applied = apply_lsp_edits(ONE_FIXABLE_SCRIPT, edits_of(action, published.uri), encoding)
        assert 'if __name__ == "__main__":\n    with Pool(2) as pool:' in applied
