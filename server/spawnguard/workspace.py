"""The project's files on disk, for the cross-file analysis (the CLI's `SourceProvider`).

Texts already read by the caller are served from memory; other files are read once. The list
of Python files under the roots is walked once, so resolving an import costs a set lookup, not
a `stat` per candidate path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from spawnguard.config import is_default_excluded_folder


class WorkspaceFiles:
    def __init__(self, roots: Iterable[str], known_texts: Mapping[str, str] | None = None) -> None:
        self.roots = list(dict.fromkeys(os.path.abspath(r) for r in roots))
        self._texts: dict[str, str | None] = {
            os.path.abspath(p): t for p, t in (known_texts or {}).items()}
        self._files: set[str] | None = None
        # folder → names importable from it (module stems and package folders)
        self._children: dict[str, set[str]] | None = None
        self._names: set[str] | None = None

    def __getstate__(self) -> dict[str, object]:
        # Pickled for worker processes with the folder index and name set built: they need
        # not walk the folders again.
        self.has_name("")  # builds both
        return self.__dict__

    def _all_files(self) -> set[str]:
        if self._files is None:
            found: set[str] = set(self._texts)
            for root in self.roots:
                found.update(self._walk(root))
            self._files = found
        return self._files

    @staticmethod
    def _walk(root: str) -> Iterable[str]:
        if os.path.isfile(root):
            yield root
            return
        for dirpath, dirnames, filenames in os.walk(root):
            # No project import resolves into the folders a check skips by default.
            dirnames[:] = [d for d in dirnames if not is_default_excluded_folder(d)]
            for name in filenames:
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)

    def _index(self) -> dict[str, set[str]]:
        if self._children is None:
            children: dict[str, set[str]] = {}
            for path in self._all_files():
                folder, name = os.path.split(path)
                children.setdefault(folder, set()).add(name[:-3])
                # Every folder on the way up holds the package folder below it.
                while True:
                    parent, child = os.path.split(folder)
                    if parent == folder:
                        break
                    known = children.setdefault(parent, set())
                    if child in known:
                        break
                    known.add(child)
                    folder = parent
            self._children = children
        return self._children

    def has_name(self, name: str) -> bool:
        """Whether any folder of the project holds a module or package called `name` (most
        imports in a big tree name other packages: they are ruled out at once)."""
        if self._names is None:
            self._names = {child for children in self._index().values() for child in children}
        return name in self._names

    def holds(self, folder: str, name: str) -> bool:
        """Whether `folder` holds a module or package called `name`."""
        return name in self._index().get(folder, ())

    def module_file(self, base: str, parts: list[str]) -> str | None:
        """`base/a/b.py` or `base/a/b/__init__.py` for parts [a, b], found by folder
        lookups only (no path joins or `stat` for the many imports that do not resolve)."""
        index = self._index()
        folder = base
        for part in parts[:-1]:
            if part not in index.get(folder, ()):
                return None
            folder = os.path.join(folder, part)
        last = parts[-1] if parts else None
        if last is not None and last not in index.get(folder, ()):
            return None
        target = os.path.join(folder, last) if last else folder
        for path in (target + ".py", os.path.join(target, "__init__.py")):
            if path in self._all_files() and (last or path.endswith("__init__.py")):
                return path
        return None

    def is_file(self, path: str) -> bool:
        # Callers pass absolute paths; the set lookup is the whole cost of resolving an import.
        files = self._all_files()
        return path in files or os.path.abspath(path) in files

    def module_count(self) -> int:
        return len(self._all_files())

    def python_files(self, root: str) -> Iterable[str]:
        root = os.path.abspath(root)
        prefix = root.rstrip(os.sep) + os.sep
        return sorted(p for p in self._all_files() if p == root or p.startswith(prefix))

    def read_text(self, path: str) -> str | None:
        path = os.path.abspath(path)
        if path not in self._texts:
            try:
                with open(path, encoding="utf-8", newline="") as handle:
                    self._texts[path] = handle.read()
            except (OSError, UnicodeDecodeError, ValueError):
                self._texts[path] = None
        return self._texts[path]
