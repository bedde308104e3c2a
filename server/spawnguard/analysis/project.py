"""Across files: what the project's other modules export that matters under spawn.

Each project module gets a `ModuleSummary`, built from its own `ModuleModel`:
- whether importing it starts workers (directly or through its own imports) — SPG103;
- functions that return a DataLoader with workers, or a function that cannot be pickled —
  so `for b in data.make_loader()` and `collate_fn=utils.make_collate()` are seen;
- classes whose instances hold state that cannot be pickled — SPG203 for imported datasets.

Summaries are cached by the text they were built from and rebuilt when the module or one of
the modules it depends on changes. Files are read through a `SourceProvider` (the CLI reads
the disk, the language server prefers its open documents): this module does no I/O itself.
Only files under the project's roots are ever read; third-party and stdlib code is not.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from spawnguard.analysis.findings import Range

if TYPE_CHECKING:
    from spawnguard.analysis.model import ModuleModel
    from spawnguard.analysis.settings import AnalysisSettings


class SourceProvider(Protocol):
    def read_text(self, path: str) -> str | None:
        """The file's current text, or None when it cannot be read."""
        ...

    def is_file(self, path: str) -> bool: ...

    def module_file(self, base: str, parts: list[str]) -> str | None:
        """`base/a/b.py` or `base/a/b/__init__.py` for parts [a, b] when it exists."""
        ...

    def has_name(self, name: str) -> bool:
        """Whether any folder of the project holds a module or package called `name`."""
        ...

    def holds(self, folder: str, name: str) -> bool:
        """Whether `folder` holds a module or package called `name`."""
        ...



@dataclass(frozen=True)
class ForeignSite:
    """A place in another file of the project."""

    path: str
    range: Range
    description: str


@dataclass(frozen=True)
class ForeignProblem:
    code: str
    what: str
    role: str  # how it is sent: dataset, collate_fn, …
    site: ForeignSite
    attribute: str | None = None  # SPG203: the attribute that holds it


@dataclass(frozen=True)
class LoaderFactory:
    """A function that returns a DataLoader which may start workers."""

    function: str
    workers: str  # "certain" | "unknown"
    explicit_method: str | None
    creation: ForeignSite
    problems: tuple[ForeignProblem, ...] = ()


@dataclass(frozen=True)
class UnpicklableFactory:
    """A function that returns a lambda or a nested function."""

    function: str
    what: str
    site: ForeignSite


@dataclass(frozen=True)
class ModuleSummary:
    path: str
    import_time_start: ForeignSite | None = None
    loader_factories: dict[str, LoaderFactory] = field(default_factory=dict)
    unpicklable_factories: dict[str, UnpicklableFactory] = field(default_factory=dict)
    # class name → what its instances hold that cannot be pickled
    class_state: dict[str, tuple[ForeignProblem, ...]] = field(default_factory=dict)



@dataclass
class _CacheEntry:
    digest: str
    dependencies: dict[str, str]  # path → digest the summary was built against
    summary: ModuleSummary


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Project:
    """The project's modules, resolved from its roots, with cached summaries."""

    def __init__(self, roots: Iterable[str], provider: SourceProvider,
                 settings: AnalysisSettings | None = None) -> None:
        from spawnguard.analysis.settings import DEFAULT_SETTINGS

        self.roots = [os.path.abspath(r) for r in roots]
        self.provider = provider
        self.settings = settings or DEFAULT_SETTINGS
        self._cache: dict[str, _CacheEntry] = {}
        self._building: set[str] = set()
        # path → whether importing it starts workers or gives access to a DataLoader factory
        self._textual: dict[str, bool] = {}
        # (module as imported, folder of the importing file) → its file
        self._module_paths: dict[tuple[str, str], str | None] = {}
        self._parent_dirs: dict[str, str | None] = {}
        self._reachable_names: dict[tuple[str, str], bool] = {}
        self._root_dirs = list(dict.fromkeys(
            d for root in self.roots for d in (root, os.path.join(root, "src"))))

    def file_changed(self, path: str | None = None, *, created_or_deleted: bool = True) -> None:
        """A project file was edited (or created, or deleted): forget what was derived from
        texts without a digest check (summaries check their own digests). Where modules
        resolve changes only when files come or go."""
        self._textual.clear()
        if created_or_deleted:
            self._module_paths.clear()
            self._reachable_names.clear()

    # --- resolution ----------------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        path = os.path.abspath(path)
        if "site-packages" in path.split(os.sep):
            return False
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def _next_search_dir(self, folder: str) -> str | None:
        """The folder searched after `folder` for an absolute import: its parent while both
        are in the project (a script importing a package module usually sits above it)."""
        if folder not in self._parent_dirs:
            parent = os.path.dirname(folder)
            self._parent_dirs[folder] = (
                parent if parent != folder and self.contains(folder)
                and (self.contains(parent) or parent in self.roots) else None)
        return self._parent_dirs[folder]

    def module_path(self, module: str, from_path: str | None) -> str | None:
        """The project file of a module spelled as in an import (`.data`, `pkg.utils`).

        An absolute import is searched in the importing file's folder (sys.path[0] of a
        script), the folders above it within the project, then the roots."""
        folder = os.path.dirname(os.path.abspath(from_path)) if from_path else None
        return self._module_path(module, folder)

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

    def _reachable(self, name: str, folder: str | None) -> bool:
        """Whether a folder searched from `folder` holds a module or package `name` (the
        first part of an absolute import): most imports of a big tree are ruled out here,
        once per folder rather than once per module."""
        key = (name, folder or "")
        if key not in self._reachable_names:
            if folder is None:
                found = self.provider.has_name(name) and any(
                    self.provider.holds(base, name) for base in self._root_dirs)
            else:
                found = self.provider.holds(folder, name) or self._reachable(
                    name, self._next_search_dir(folder))
            self._reachable_names[key] = found
        return self._reachable_names[key]

    def _module_from(self, module: str, parts: list[str], folder: str | None) -> str | None:
        """The module found in `folder`, the folders searched after it, or else the roots
        (memoised by folder: the files of a package share the folders above them)."""
        key = (module, folder or "")
        if key not in self._module_paths:
            if folder is None:
                found = next((path for base in self._root_dirs
                              if (path := self._module_in(base, parts)) is not None), None)
            else:
                found = self._module_in(folder, parts)
                if found is None:
                    found = self._module_from(module, parts, self._next_search_dir(folder))
            self._module_paths[key] = found
        return self._module_paths[key]

    def _module_in(self, base: str, parts: list[str]) -> str | None:
        path = self.provider.module_file(base, parts)
        return path if path is not None and self.contains(path) else None

    def resolve(self, qualname: str, from_path: str | None) -> tuple[ModuleSummary, str] | None:
        """(summary of the defining module, attribute) for `pkg.data.make_loader`."""
        level = len(qualname) - len(qualname.lstrip("."))
        parts = qualname.lstrip(".").split(".")
        for split in range(len(parts) - 1, -1, -1):
            module = "." * level + ".".join(parts[:split])
            if not module:
                continue
            attribute = parts[split:]
            path = self.module_path(module, from_path)
            if path is None or len(attribute) != 1:
                continue
            summary = self.summary(path)
            return (summary, attribute[0]) if summary else None
        return None

    # --- summaries -----------------------------------------------------------------------------

    def summary(self, path: str) -> ModuleSummary | None:
        path = os.path.abspath(path)
        text = self.provider.read_text(path)
        if text is None:
            return None
        digest = _digest(text)
        entry = self._cache.get(path)
        if entry and entry.digest == digest and self._dependencies_unchanged(entry):
            return entry.summary
        if path in self._building:
            return ModuleSummary(path)  # an import cycle: the outer build sees the rest
        self._building.add(path)
        try:
            summary, dependencies = self._build(path, text)
        finally:
            self._building.discard(path)
        self._cache[path] = _CacheEntry(digest, dependencies, summary)
        return summary

    def _dependencies_unchanged(self, entry: _CacheEntry) -> bool:
        for dependency, digest in entry.dependencies.items():
            text = self.provider.read_text(dependency)
            if text is None or _digest(text) != digest:
                return False
            inner = self._cache.get(dependency)
            if inner is None or inner.digest != digest or not self._dependencies_unchanged(inner):
                return False
        return True

    def _build(self, path: str, text: str) -> tuple[ModuleSummary, dict[str, str]]:
        from spawnguard.analysis.summaries import summarize

        model = self.model(path, text)
        if model is None:
            return ModuleSummary(path), {}
        summary = summarize(model)
        dependencies = {
            dependency: self._cache[dependency].digest
            for dependency in model.project_dependencies if dependency in self._cache
        }
        return summary, dependencies

    def model(self, path: str, text: str) -> ModuleModel | None:
        import ast

        from spawnguard.analysis.chunks import parse_text
        from spawnguard.analysis.model import ModuleModel
        from spawnguard.analysis.source import SourceText

        # A module that does not parse, or nests too deeply to model, has no summary.
        tree = parse_text(text)
        if not isinstance(tree, ast.Module):
            return None
        return ModuleModel.build(SourceText(text), tree, settings=self.settings, path=path,
                                 project=self)

    # --- which files can matter ----------------------------------------------------------------

    def may_matter_to(self, text: str, path: str | None) -> bool:
        """Whether a file with this text imports a project module that starts workers when
        imported or hands out a DataLoader with workers — the only ways a file that names no
        worker API itself can get a finding.

        Exact and lazy: a module is summarised (parsed) only when its own text may start
        workers, or when it imports a module that was found to matter. Most modules of a big
        tree are never parsed.
        """
        return any(self._starts_or_loads(inner) for inner in self._imported_paths(text, path))

    def _imported_paths(self, text: str, path: str | None) -> list[str]:
        paths = []
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        for base, names in imports_in_text(text):
            if base[0] != "." and not self._reachable(base.split(".", 1)[0], folder):
                continue  # a package outside the project: the cheap, common case
            for module in _modules_of(base, names):
                found = self._module_path(module, folder)
                if found is not None:
                    paths.append(found)
        return paths

    def _starts_or_loads(self, path: str) -> bool:
        from spawnguard.analysis.apis import may_start_workers

        cached = self._textual.get(path)
        if cached is not None:
            return cached
        self._textual[path] = False  # an import cycle adds nothing
        text = self.provider.read_text(path)
        if text is None:
            return False
        candidate = may_start_workers(text) or any(
            self._starts_or_loads(inner) for inner in self._imported_paths(text, path))
        summary = self.summary(path) if candidate else None
        result = summary is not None and bool(
            summary.import_time_start or summary.loader_factories)
        self._textual[path] = result
        return result


_IMPORT = re.compile(r"[ \t\f]*import[ \t\f]+(.+)", re.DOTALL)
_AS = re.compile(r"\s+as\s+")
_FROM_IMPORT = re.compile(
    r"[ \t\f]*from[ \t\f]+(\.*[\w.]*)[ \t\f]+import[ \t\f]*(.*)", re.DOTALL)


def _modules_of(base: str, names: list[str]) -> list[str]:
    """`from base import names` may load `base` and each `base.name`; `from . import x` loads
    only `.x` (the package itself is imported already)."""
    joiner = "" if base.endswith(".") else "."
    return ([base] if base.strip(".") else []) + [f"{base}{joiner}{name}" for name in names]


def imports_in_text(text: str) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for each import statement in the text: `import a.b`
    gives ("a.b", []), `from . import data` gives (".", ["data"]).

    Only the lines that contain `import` are looked at (a whole-file regex is slower).
    """
    found: list[tuple[str, list[str]]] = []
    seen: set[int] = set()
    position = text.find("import")
    while position >= 0:
        line_start = text.rfind("\n", 0, position) + 1
        if line_start not in seen:
            seen.add(line_start)
            for statement in _statement_at(text, line_start).split(";"):
                found += _imports_of_statement(statement)
        position = text.find("import", position + 6)
    return found


def _statement_at(text: str, start: int) -> str:
    """The logical line starting at `start`, comments dropped: through backslash continuations
    and an open parenthesis."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = _code_of(text[start:end])
    while line.rstrip().endswith("\\") and end < len(text):
        next_end = text.find("\n", end + 1)
        next_end = len(text) if next_end < 0 else next_end
        line = line.rstrip()[:-1] + " " + _code_of(text[end + 1 : next_end])
        end = next_end
    if "(" in line and ")" not in line:
        # A bracketed import list: line by line (a comment may hold a parenthesis).
        while end < len(text):
            next_end = text.find("\n", end + 1)
            next_end = len(text) if next_end < 0 else next_end
            code = _code_of(text[end + 1 : next_end])
            line += " " + code
            end = next_end
            if ")" in code:
                break
    return line


def _code_of(line: str) -> str:
    return line.split("#", 1)[0]


def _imports_of_statement(statement: str) -> list[tuple[str, list[str]]]:
    match = _FROM_IMPORT.match(statement)
    if match:
        base = match.group(1)
        if not base:
            return []
        names = [name for part in match.group(2).strip().strip("()").split(",")
                 if (name := _AS.split(part)[0].strip()).isidentifier()]
        return [(base, names)]
    match = _IMPORT.match(statement)
    if match:
        return [(name, []) for part in match.group(1).split(",")
                if (name := _AS.split(part)[0].strip())
                and all(p.isidentifier() for p in name.split("."))]
    return []
