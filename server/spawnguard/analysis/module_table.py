"""Where a project's imports lead: import names ↔ the project's files.

An absolute import is searched the way a script run from the project finds it: the importing
file's folder (sys.path[0] of a script), the folders above it within the project, then the
roots and their `src/` folders (a `src` layout). Relative imports count from the importing
file's package. Only files under the roots are project modules: an import that leads out of
them (the stdlib, third-party packages, anything under `site-packages`) resolves to nothing.

Answers are memoised by folder: the files of one package share every folder above them, so
resolving all imports of a tree costs about one lookup per distinct (name, folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Protocol

from spawnguard.analysis.import_scan import imports_in_text, modules_of


class ModuleFiles(Protocol):
    def module_file(self, base: str, parts: list[str]) -> str | None:
        """`base/a/b.py` or `base/a/b/__init__.py` for parts [a, b] when it exists."""
        ...

    def has_name(self, name: str) -> bool:
        """Whether any folder of the project holds a module or package called `name`."""
        ...

    def holds(self, folder: str, name: str) -> bool:
        """Whether `folder` holds a module or package called `name`."""
        ...


class ModuleTable:
    def __init__(self, roots: Iterable[str], files: ModuleFiles) -> None:
        self.roots = [os.path.abspath(r) for r in roots]
        self.files = files
        # (module as imported, folder of the importing file) → its file
        self._module_paths: dict[tuple[str, str], str | None] = {}
        self._parent_dirs: dict[str, str | None] = {}
        # (name, folder) → the folders searched from there that hold `name`
        self._holder_folders: dict[tuple[str, str], tuple[str, ...]] = {}
        # (module, those folders) → its file
        self._by_holders: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._root_dirs = list(dict.fromkeys(
            d for root in self.roots for d in (root, os.path.join(root, "src"))))

    def files_changed(self) -> None:
        """Files were created or deleted: where imports lead may have changed."""
        self._module_paths.clear()
        self._holder_folders.clear()
        self._by_holders.clear()

    def contains(self, path: str) -> bool:
        path = os.path.abspath(path)
        if "site-packages" in path.split(os.sep):
            return False
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def module_path(self, module: str, from_path: str | None) -> str | None:
        """The project file of a module spelled as in an import (`.data`, `pkg.utils`)."""
        folder = os.path.dirname(os.path.abspath(from_path)) if from_path else None
        return self._module_path(module, folder)

    def imported_paths(self, text: str, path: str | None) -> list[str]:
        """The project files that the import statements of this text may load."""
        paths = []
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        for base, names in imports_in_text(text):
            if base[0] != "." and not self._reachable(base.split(".", 1)[0], folder):
                continue  # a package outside the project: the cheap, common case
            for module in modules_of(base, names):
                found = self._module_path(module, folder)
                if found is not None:
                    paths.append(found)
        return list(dict.fromkeys(paths))

    def _next_search_dir(self, folder: str) -> str | None:
        """The folder searched after `folder` for an absolute import: its parent while both
        are in the project (a script importing a package module usually sits above it)."""
        if folder not in self._parent_dirs:
            parent = os.path.dirname(folder)
            self._parent_dirs[folder] = (
                parent if parent != folder and self.contains(folder)
                and (self.contains(parent) or parent in self.roots) else None)
        return self._parent_dirs[folder]

    def _module_path(self, module: str, folder: str | None) -> str | None:
        key = (module, folder or "")
        if key in self._module_paths:
            return self._module_paths[key]
        if not module:
            return None
        if module[0] != ".":
            if not self._reachable(module.split(".", 1)[0], folder):
                return None  # names a package outside the project (stdlib, third party)
            return self._module_from(module, module.split("."), folder)
        level = len(module) - len(module.lstrip("."))
        parts = [p for p in module[level:].split(".") if p]
        found = None
        if folder is not None:
            base = folder
            for _ in range(level - 1):
                base = os.path.dirname(base)
            found = self._module_in(base, parts)
        self._module_paths[key] = found
        return found

    def _holders(self, name: str, folder: str | None) -> tuple[str, ...]:
        """The folders searched from `folder` that hold a module or package `name`, in search
        order (the roots last): usually one, shared by every folder below it, so most imports
        of a big tree are resolved once for the whole tree."""
        key = (name, folder or "")
        cached = self._holder_folders.get(key)
        if cached is not None:
            return cached
        searched: list[str] = []
        here = folder
        while here is not None and (name, here) not in self._holder_folders:
            searched.append(here)
            here = self._next_search_dir(here)
        if here is not None:
            found = self._holder_folders[(name, here)]
        else:
            found = self._holder_folders.get((name, ""))
            if found is None:
                found = tuple(base for base in self._root_dirs if self.files.holds(base, name)) \
                    if self.files.has_name(name) else ()
                self._holder_folders[(name, "")] = found
        # Walked up without recursion; every folder on the way gets its answer.
        for here in reversed(searched):
            if self.files.holds(here, name):
                found = (here, *found)
            self._holder_folders[(name, here)] = found
        return found

    def _reachable(self, name: str, folder: str | None) -> bool:
        """Whether a folder searched from `folder` holds a module or package `name` (the
        first part of an absolute import): most imports of a big tree are ruled out here."""
        return bool(self._holders(name, folder))

    def _module_from(self, module: str, parts: list[str], folder: str | None) -> str | None:
        """The module found in the first folder searched from `folder` that has it."""
        holders = self._holders(parts[0], folder)
        key = (module, holders)
        if key not in self._by_holders:
            self._by_holders[key] = next(
                (path for base in holders if (path := self._module_in(base, parts)) is not None),
                None)
        found = self._by_holders[key]
        self._module_paths[(module, folder or "")] = found
        return found

    def _module_in(self, base: str, parts: list[str]) -> str | None:
        path = self.files.module_file(base, parts)
        return path if path is not None and self.contains(path) else None
