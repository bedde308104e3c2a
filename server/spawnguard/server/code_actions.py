"""Code actions: the core's fixes, edit for edit, as LSP quick fixes; plus "Fix all".

Every fix of every finding touching the requested range becomes one `quickfix` action (its
preferred one `isPreferred`), suppressions ("Ignore SPG… on this line") included. The
`source.fixAll.spawnguard` action carries what `spawnguard check --fix` would write
(`engine.fix_text`), as the smallest single edit that turns the text into it: it serves the
Source Action menu and `editor.codeActionsOnSave`. The same edit is also offered last in the
quick-fix list (Ctrl+.), as ruff does, when the cursor is on a fixable finding and the file
has more than one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsprotocol import types

from spawnguard.analysis.findings import Finding, Fix, NewFile, Range, TextEdit
from spawnguard.analysis.source import SourceText

FIX_ALL_KIND = "source.fixAll.spawnguard"
FIX_ALL_TITLE = "Fix all spawnguard problems"

# A core edit → (uri, LSP edit), or None when the edit cannot be expressed (notebooks: it
# spans cells or touches IPython syntax); a fix with such an edit is not offered.
MapEdit = Callable[[TextEdit], "tuple[str, types.TextEdit] | None"]


@dataclass(frozen=True)
class ActionRequest:
    findings: Sequence[Finding]
    requested: Range  # in the analysed text's coordinates
    only: Sequence[str] | None
    diagnostic_of: Callable[[Finding], types.Diagnostic]
    map_edit: MapEdit
    version_of: Callable[[str], int | None]
    # True when the client takes `documentChanges` (versioned edits).
    document_changes: bool
    # What "Fix all" does (computed only when asked for); None: nothing to fix.
    fix_all: Callable[[], Fix | None]
    # The URI of a file a fix creates beside the analysed one (None: no folder to put it in).
    new_file_uri: Callable[[str], str | None] = lambda name: None
    # The client applies `CreateFile` operations (needed by fixes that create a module).
    can_create_files: bool = False


def kind_wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP: `only` lists kinds; a kind matches itself and its sub-kinds ("source" ⊇ "source.x")."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def touches(finding: Finding, requested: Range) -> bool:
    """The finding's range meets the requested one (a cursor at either end counts)."""
    return finding.range.start <= requested.end and requested.start <= finding.range.end


def code_actions(request: ActionRequest) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    fix_all_kinds: list[str] = []
    if kind_wanted(types.CodeActionKind.QuickFix.value, request.only):
        on_fixable = False
        for finding in request.findings:
            if not touches(finding, request.requested):
                continue
            on_fixable = on_fixable or finding.preferred_fix is not None
            diagnostic = request.diagnostic_of(finding)
            for fix in finding.fixes:
                edit = workspace_edit(fix.edits, request, fix.new_files)
                if edit is None:
                    continue
                actions.append(quick_fix(fix, diagnostic, edit))
        if on_fixable and sum(f.preferred_fix is not None for f in request.findings) > 1:
            fix_all_kinds.append(types.CodeActionKind.QuickFix.value)
    if kind_wanted(FIX_ALL_KIND, request.only) and request.findings:
        fix_all_kinds.append(FIX_ALL_KIND)
    if fix_all_kinds and (fix_all := request.fix_all()) is not None:
        edit = workspace_edit(fix_all.edits, request, fix_all.new_files)
        if edit is not None:
            actions += [types.CodeAction(title=FIX_ALL_TITLE, kind=kind, edit=edit)
                        for kind in fix_all_kinds]
    return actions


def quick_fix(
    fix: Fix, diagnostic: types.Diagnostic, edit: types.WorkspaceEdit
) -> types.CodeAction:
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True if fix.preferred and not fix.is_suppression else None,
        edit=edit,
    )


def workspace_edit(
    edits: Sequence[TextEdit], request: ActionRequest, new_files: Sequence[NewFile] = ()
) -> types.WorkspaceEdit | None:
    """The edits as the client wants them; None when one cannot be expressed."""
    created: list[types.CreateFile | types.TextDocumentEdit] = []
    if new_files:
        if not (request.document_changes and request.can_create_files):
            return None
        for new_file in new_files:
            uri = request.new_file_uri(new_file.name)
            if uri is None:
                return None
            start = types.Position(0, 0)
            # Never over an existing file: the client then fails the whole edit.
            options = types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
            created += [
                types.CreateFile(uri=uri, options=options),
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri, None),
                    edits=[types.TextEdit(types.Range(start, start), new_file.text)],
                ),
            ]
    by_uri: dict[str, list[types.TextEdit]] = {}
    for edit in edits:
        mapped = request.map_edit(edit)
        if mapped is None:
            return None
        uri, lsp_edit = mapped
        by_uri.setdefault(uri, []).append(lsp_edit)
    if request.document_changes:
        return types.WorkspaceEdit(
            document_changes=created
            + [
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=request.version_of(uri)
                    ),
                    edits=uri_edits,
                )
                for uri, uri_edits in by_uri.items()
            ]
        )
    return types.WorkspaceEdit(changes=by_uri)


def minimal_edit(old: str, new: str) -> TextEdit | None:
    """One edit turning `old` into `new`: the differing middle (never splitting a CRLF)."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    prefix = _common_length(old, new, limit, lambda text, n: text[:n])
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1
    suffix = _common_length(old, new, limit - prefix, lambda text, n: text[len(text) - n :])
    end = len(old) - suffix
    if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
        suffix -= 1
        end += 1
    source = SourceText(old)
    range_ = Range(source.position_at(prefix), source.position_at(end))
    return TextEdit(range_, new[prefix : len(new) - suffix])


def _common_length(a: str, b: str, limit: int, part: Callable[[str, int], str]) -> int:
    """The largest n <= limit with part(a, n) == part(b, n) (binary search: C-speed compares)."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if part(a, middle) == part(b, middle):
            low = middle
        else:
            high = middle - 1
    return low
