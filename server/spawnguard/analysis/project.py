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

    def python_files(self, root: str) -> Iterable[str]:
        """Every `.py` file under `root` that belongs to the project."""
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

    @property
    def matters(self) -> bool:
        return bool(self.import_time_start or self.loader_factories
                    or self.unpicklable_factories or self.class_state)


@dataclass
class _CacheEntry:
    digest: str
    dependencies: dict[str, str]  # path → digest the summary was built against
    summary: ModuleSummary


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def module_word(path: str) -> str:
    """The name an import of this module must spell: `pkg/data.py` → `data`, a package's
    `__init__.py` → the package name."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.basename(os.path.dirname(path)) if stem == "__init__" else stem


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
        self._words: re.Pattern[str] | None = None
        self._words_digest: dict[str, str] | None = None

    # --- resolution ----------------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        path = os.path.abspath(path)
        if "site-packages" in path.split(os.sep):
            return False
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def _search_dirs(self, from_path: str | None) -> list[str]:
        dirs = []
        if from_path:
            dirs.append(os.path.dirname(os.path.abspath(from_path)))
        for root in self.roots:
            dirs += [root, os.path.join(root, "src")]
        return list(dict.fromkeys(dirs))

    def module_path(self, module: str, from_path: str | None) -> str | None:
        """The project file of a module spelled as in an import (`.data`, `pkg.utils`)."""
        level = len(module) - len(module.lstrip("."))
        parts = [p for p in module.lstrip(".").split(".") if p]
        if level:
            if not from_path:
                return None
            base = os.path.dirname(os.path.abspath(from_path))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = self._search_dirs(from_path)
        for base in bases:
            candidate = os.path.join(base, *parts)
            for path in (candidate + ".py", os.path.join(candidate, "__init__.py")):
                wanted = parts or path.endswith("__init__.py")
                if wanted and self.contains(path) and self.provider.is_file(path):
                    return path
        return None

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
        import warnings

        from spawnguard.analysis.model import ModuleModel
        from spawnguard.analysis.source import SourceText

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        return ModuleModel.build(SourceText(text), tree, settings=self.settings, path=path,
                                 project=self)

    # --- which files can matter ----------------------------------------------------------------

    def words_that_matter(self) -> re.Pattern[str] | None:
        """A pattern of the module names whose import can bring a spawn problem into a file
        (modules that start workers at import, return loaders or unpicklable functions, or
        define datasets with unpicklable state) — None when there are none.

        Found from the files that spell a worker API, then from the files that import those,
        until nothing changes.
        """
        from spawnguard.analysis.apis import mentions_worker_api

        texts = {}
        for root in self.roots:
            for path in self.provider.python_files(root):
                text = self.provider.read_text(path)
                if text is not None:
                    texts[os.path.abspath(path)] = text
        digests = {p: _digest(t) for p, t in texts.items()}
        if self._words_digest == digests:
            return self._words
        pending = [p for p, t in texts.items() if mentions_worker_api(t)]
        seen = set(pending)
        words: set[str] = set()
        while pending:
            for path in pending:
                summary = self.summary(path)
                if summary is not None and summary.matters:
                    words.add(module_word(path))
            pattern = _word_pattern(words)
            pending = [p for p, t in texts.items()
                       if p not in seen and pattern is not None and pattern.search(t)]
            seen.update(pending)
        self._words = _word_pattern(words)
        self._words_digest = digests
        return self._words

    def may_matter_to(self, text: str) -> bool:
        pattern = self.words_that_matter()
        return pattern is not None and pattern.search(text) is not None


def _word_pattern(words: set[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words))) + r")\b")
