"""The project index of a workspace folder, built in the background when the folder is first
used, with LSP work-done progress ("Indexing project: 312/646 modules") and cancellation.

Until the index is ready, the folder's files are analysed on their own (single-file findings
are published at once); when it is ready, the open documents are analysed again with the
cross-module findings. The work is done in steps of `STEP` modules on a thread of its own:
the project's lock is held for one step at a time, and files are read and scanned outside it.
A project with more modules than the index takes is said so once (log and message) and its
files stay analysed on their own.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from lsprotocol import types

from spawnguard.analysis.project import MAX_PROJECT_MODULES, Scan
from spawnguard.server.project_files import ProjectEntry

STEP = 64  # modules per step


class IndexingClient(Protocol):
    """What the indexer needs of the server."""

    def progress_supported(self) -> bool: ...

    async def create_progress(self, token: str) -> None: ...

    def send_progress(self, token: str, value: Progress) -> None: ...

    def progress_cancelled(self, token: str) -> bool: ...

    def notify_indexing(self, kind: types.MessageType, message: str, show: bool) -> None: ...

    def index_ready(self, entry: ProjectEntry) -> None: ...


Progress = types.WorkDoneProgressBegin | types.WorkDoneProgressReport | types.WorkDoneProgressEnd


@dataclass
class Indexing:
    """The indexing thread of one server."""

    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="spawnguard-index"))
    stopping: bool = False

    def stop(self) -> None:
        self.stopping = True
        self.executor.shutdown(wait=False, cancel_futures=True)


def _scan_step(entry: ProjectEntry, paths: Sequence[str]) -> int:
    """Reads and scans `paths` (outside the lock), then settles them (under it)."""
    project = entry.project
    scans: list[tuple[str, Scan | None]] = []
    for path in paths:
        text = entry.files.read_text(path)
        scans.append((path, project.scan_text(path, text) if text is not None else None))
    with entry.lock:
        for path, scan in scans:
            project.adopt_scan(path, scan)
        project.index(paths)
    return len(paths)


async def index_in_background(entry: ProjectEntry, indexing: Indexing,
                              client: IndexingClient) -> None:
    loop = asyncio.get_running_loop()
    paths = await loop.run_in_executor(indexing.executor, _module_paths, entry)
    if len(paths) > MAX_PROJECT_MODULES:
        client.notify_indexing(types.MessageType.Info, entry.project.too_big_notice(), True)
        return  # stays not ready: every file is analysed on its own
    token = f"spawnguard-index-{uuid.uuid4()}"
    progress = client.progress_supported()
    if progress:
        try:
            await client.create_progress(token)
        except Exception:  # the client refused the token: index without progress
            progress = False
    if progress:
        client.send_progress(token, types.WorkDoneProgressBegin(
            title="spawnguard", message=f"Indexing project: 0/{len(paths)} modules",
            cancellable=True, percentage=0))
    done = 0
    try:
        for start in range(0, len(paths), STEP):
            if indexing.stopping or (progress and client.progress_cancelled(token)):
                client.notify_indexing(
                    types.MessageType.Info, "spawnguard: indexing cancelled; the files in "
                    f"{entry.root} are analysed on their own", False)
                return
            done += await loop.run_in_executor(
                indexing.executor, _scan_step, entry, paths[start:start + STEP])
            if progress:
                client.send_progress(token, types.WorkDoneProgressReport(
                    message=f"Indexing project: {done}/{len(paths)} modules",
                    percentage=done * 100 // max(len(paths), 1)))
    finally:
        if progress:
            client.send_progress(token, types.WorkDoneProgressEnd(
                message=f"Indexed {done}/{len(paths)} modules"))
    entry.ready.set()
    client.notify_indexing(
        types.MessageType.Log, f"spawnguard: indexed {done} modules under {entry.root} "
        f"({sum(entry.project.summaries_built.values())} summarised)", False)
    client.index_ready(entry)


def _module_paths(entry: ProjectEntry) -> list[str]:
    return [os.path.abspath(p) for p in entry.files.python_files(str(entry.root))]
