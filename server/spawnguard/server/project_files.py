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

    def module_count(self) -> int:
        return self._index.module_count()


@dataclass
class ProjectEntry:
    project: Project
    files: ServerFiles
    root: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set once the background index is built (`indexing.index_in_background`): until then
    # the folder's files are analysed on their own, so no request waits for the index.
    ready: threading.Event = field(default_factory=threading.Event)
    # Set from the event loop, acted on by the analysing thread (under `lock`).
    changed_paths: set[str] = field(default_factory=set)
    verify_all: bool = False
    files_changed: bool = False

    def use(self) -> Project:
        """The project, brought up to date; call with `lock` held."""
        changed, self.changed_paths = self.changed_paths, set()
        if self.files_changed:
            self.files.files_changed()
            self.project.file_changed(created_or_deleted=True)
        else:
            for path in changed:
                # Only the changed module and (when it mattered) its importers are dropped.
                self.project.file_changed(path, created_or_deleted=False)
            if self.verify_all:
                self.project.file_changed(created_or_deleted=False)
        self.files_changed = self.verify_all = False
        return self.project

    def dependents(self, path: str) -> set[str]:
        """The files that import `path`, directly or not (as far as the index knows). Asked
        from the event loop: not under `lock`, which an analysis may hold for a while; when
        the index changes meanwhile, every file of the project counts."""
        try:
            return self.project.importers_of(path)
        except RuntimeError:  # a set changed size while read
            return set(self.files.python_files(str(self.root)))


@dataclass
class Projects:
    """One `Project` per root folder, created on first use (`on_created` then starts its
    index in the background)."""

    open_text: Callable[[str], str | None]
    on_created: Callable[[ProjectEntry], None] = lambda entry: None
    # Counts changes to any project file: a result computed before a change may be stale.
    generation: int = 0
    _entries: dict[Path, ProjectEntry] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def for_root(self, root: Path) -> ProjectEntry:
        with self._guard:
            entry = self._entries.get(root)
            created = entry is None
            if entry is None:
                files = ServerFiles([str(root)], self.open_text)
                entry = ProjectEntry(Project([str(root)], files), files, root)
                self._entries[root] = entry
        if created:
            self.on_created(entry)
        return entry

    def entries(self) -> list[ProjectEntry]:
        with self._guard:
            return list(self._entries.values())

    def file_changed(self, paths: Iterable[str] | None = None, *,
                     created_or_deleted: bool = False) -> None:
        """Files changed: `paths` when known (else every module is checked against its text
        on next use)."""
        self.generation += 1
        changed = [os.path.abspath(p) for p in paths] if paths is not None else None
        for entry in self.entries():
            if changed is None:
                entry.verify_all = True
            else:
                entry.changed_paths.update(changed)
            entry.files_changed = entry.files_changed or created_or_deleted
