"""Findings → LSP diagnostics, and the scheduling that publishes them.

Analysis runs in a worker thread, never on the event loop. Per document at most one analysis
is in flight; changes that arrive meanwhile mark the document dirty, and when the analysis
finishes its result is dropped (a newer version exists) and the newest text is analysed
instead. So diagnostics are never published for a version older than the current one, and a
burst of edits costs one analysis per finished run, not one per keystroke.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from spawnguard.analysis.findings import Finding, Range, Severity
from spawnguard.analysis.source import SourceText
from spawnguard.server.positions import PositionConverter

SOURCE = "spawnguard"
logger = logging.getLogger(__name__)

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
TAGS = {
    "unnecessary": types.DiagnosticTag.Unnecessary,
    "deprecated": types.DiagnosticTag.Deprecated,
}


@cache
def rule_doc_uri(code: str) -> str | None:
    """`file:` URI of the rule's docs page shipped inside the package (None if missing)."""
    page = resources.files("spawnguard").joinpath("docs", "rules", f"{code}.md")
    if isinstance(page, Path) and page.is_file():
        return page.resolve().as_uri()
    return None


def rule_page_url(code: str, docs_url: str) -> str | None:
    """The rule's page under `docs_url` (the `docsUrl` setting: `<docs_url>/SPG101.md`), or,
    with an empty `docs_url`, the page shipped in the package (`file:`)."""
    if not docs_url:
        return rule_doc_uri(code)
    if rule_doc_uri(code) is None:
        return None  # not a rule with a page
    return f"{docs_url.rstrip('/')}/{code}.md"


# Where a location in the analysed text goes: (uri, range in the client's units).
Locate = Callable[[Range], "tuple[str, types.Range]"]


def text_locator(uri: str, source: SourceText, converter: PositionConverter) -> Locate:
    def locate(range_: Range) -> tuple[str, types.Range]:
        return uri, converter.to_lsp_range(source, range_)

    return locate


def to_diagnostic(
    finding: Finding,
    locate: Locate,
    locate_file: Callable[[str, Range], types.Location],
    docs_url: str = "",
) -> types.Diagnostic:
    """One finding as a diagnostic; `locate` maps ranges of the analysed text (its uri,
    range), `locate_file` those in other files (a related location's `path`); the rule code
    links to its page under `docs_url` (see `rule_page_url`)."""
    _, lsp_range = locate(finding.range)
    related = []
    for item in finding.related:
        if item.path is None:
            uri, related_range = locate(item.range)
            location = types.Location(uri, related_range)
        else:
            location = locate_file(item.path, item.range)
        related.append(types.DiagnosticRelatedInformation(location, item.plain_message))
    href = rule_page_url(finding.code, docs_url)
    tags = [TAGS[tag] for tag in finding.tags if tag in TAGS]
    return types.Diagnostic(
        range=lsp_range,
        message=finding.plain_message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href) if href else None,
        source=SOURCE,
        related_information=related or None,
        tags=tags or None,
    )


def file_locator(
    converter: PositionConverter, open_text: Callable[[str], str | None]
) -> Callable[[str, Range], types.Location]:
    """Locations in other files: converted against their open or on-disk text when readable."""

    def locate(path: str, range_: Range) -> types.Location:
        uri = from_fs_path(path) or path
        text = open_text(uri)
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return types.Location(uri, converter.to_lsp_range(SourceText(text), range_))

    return locate


# --- scheduling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    uri: str
    version: int | None
    diagnostics: Sequence[types.Diagnostic]


class Snapshot:
    """What one analysis needs, frozen at scheduling time. `run` executes in a worker thread."""

    token: Hashable

    def run(self) -> list[Publication]:
        raise NotImplementedError


@dataclass
class _KeyState:
    dirty: bool = False
    task: asyncio.Task[None] | None = None


@dataclass
class AnalysisScheduler:
    snapshot_of: Callable[[str], Snapshot | None]
    publish: Callable[[Publication], None]
    executor: Executor
    report_error: Callable[[str, BaseException], None]
    _states: dict[str, _KeyState] = field(default_factory=dict)

    def schedule(self, key: str) -> None:
        state = self._states.setdefault(key, _KeyState())
        state.dirty = True
        if state.task is None:
            state.task = asyncio.get_running_loop().create_task(self._drain(key, state))

    async def idle(self) -> None:
        """Wait until no analysis is pending (for tests and the benchmark's warm-up)."""
        while tasks := [s.task for s in self._states.values() if s.task is not None]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _drain(self, key: str, state: _KeyState) -> None:
        loop = asyncio.get_running_loop()
        try:
            while state.dirty:
                state.dirty = False
                snapshot = self.snapshot_of(key)
                if snapshot is None:
                    return
                try:
                    publications = await loop.run_in_executor(self.executor, snapshot.run)
                except Exception as error:
                    self.report_error(key, error)
                    continue
                if state.dirty:
                    continue  # superseded while it ran: drop, analyse the newest text
                current = self.snapshot_of(key)
                if current is None or current.token != snapshot.token:
                    continue
                for publication in publications:
                    self.publish(publication)
        finally:
            state.task = None
            if not state.dirty:
                self._states.pop(key, None)
