"""The project's other modules, for the cross-file analysis (SPG103, imported loaders...).

`spawnguard check` hands the engine a `Project` over the files on disk; the server hands it
the same, except that a file open in the editor is read from its buffer, and a file on disk is
read again when it changed (its modification time says so). One project per workspace folder
(or per file's folder outside any), one analysis at a time per project: its caches are not
meant for concurrent builders.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spawnguard.analysis.project import Project
from spawnguard.workspace import WorkspaceFiles


class ServerFiles:
    """A `SourceProvider`: open buffers first, then the disk (re-read when changed)."""

    def __init__(self, roots: Iterable[str], open_text: Callable[[str], str | None]) -> None:
        self.roots = list(roots)
        self._open_text = open_text
        self._index = WorkspaceFiles(self.roots)
        self._disk: dict[str, tuple[float, str | None]] = {}

    def files_changed(self) -> None:
        """Files were created or deleted: walk the roots again when next asked."""
        self._index = WorkspaceFiles(self.roots)

    def read_text(self, path: str) -> str | None:
        path = os.path.abspath(path)
        text = self._open_text(path)
        if text is not None:
            return text
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        cached = self._disk.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError, ValueError):
            text = None
        self._disk[path] = (mtime, text)
        return text

    def is_file(self, path: str) -> bool:
        return self._index.is_file(path)

    def has_name(self, name: str) -> bool:
        return self._index.has_name(name)

    def holds(self, folder: str, name: str) -> bool:
        return self._index.holds(folder, name)

    def module_file(self, base: str, parts: list[str]) -> str | None:
        return self._index.module_file(base, parts)

    def python_files(self, root: str) -> Iterable[str]:
        return self._index.python_files(root)


@dataclass
class ProjectEntry:
    project: Project
    files: ServerFiles
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set from the event loop, acted on by the analysing thread (under `lock`).
    texts_changed: bool = False
    files_changed: bool = False

    def use(self) -> Project:
        """The project, brought up to date; call with `lock` held."""
        if self.files_changed:
            self.files.files_changed()
        if self.texts_changed or self.files_changed:
            self.project.file_changed(created_or_deleted=self.files_changed)
        self.texts_changed = self.files_changed = False
        return self.project


@dataclass
class Projects:
    """One `Project` per root folder, created on first use."""

    open_text: Callable[[str], str | None]
    # Counts changes to any project file: a result computed before a change may be stale.
    generation: int = 0
    _entries: dict[Path, ProjectEntry] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def for_root(self, root: Path) -> ProjectEntry:
        with self._guard:
            entry = self._entries.get(root)
            if entry is None:
                files = ServerFiles([str(root)], self.open_text)
                entry = ProjectEntry(Project([str(root)], files), files)
                self._entries[root] = entry
            return entry

    def file_changed(self, *, created_or_deleted: bool = False) -> None:
        self.generation += 1
        with self._guard:
            entries = list(self._entries.values())
        for entry in entries:
            entry.texts_changed = True
            entry.files_changed = entry.files_changed or created_or_deleted
