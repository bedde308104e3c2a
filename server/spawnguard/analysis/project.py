"""Across files: what the project's other modules export that matters under spawn.

Each project module gets a `ModuleSummary`, built from its own `ModuleModel`:
- whether importing it starts workers (directly or through its own imports) — SPG103;
- functions that return a DataLoader with workers, or a function that cannot be pickled —
  so `for b in data.make_loader()` and `collate_fn=utils.make_collate()` are seen;
- classes whose instances hold state that cannot be pickled — SPG203 for imported datasets.

**The project index.** Which modules can hand out a worker start (`matters`) is settled over
the import graph read from the modules' texts (`import_scan`, no parse), one strongly connected
component at a time, dependencies first (`graph.components`, without recursion). Only a module
whose own text may start workers (the `apis.may_start_workers` prefilter), or that imports one
found to matter, is parsed and summarised; every other module costs one text scan. Summaries
are built once per module per text version by a work loop with an explicit stack: a build that
asks for a summary not built yet is abandoned, that summary is built, and the build starts
again — so no Python recursion grows with import chains.

**Cycles.** Within a component, a module's answer starts as "does not matter" and is raised
when a summary shows otherwise; a module whose summary read a member's answer before it was
raised is summarised again (the only case of a second summary for one version).

**Invalidation.** The index keeps reverse import edges: a changed module drops what was derived
from it and from its importers, transitively, and nothing else (`file_changed(path)`). Files
are read through a `SourceProvider` (the CLI reads the disk, the language server prefers its
open documents): this module does no I/O itself. Only files under the project's roots are ever
read; third-party and stdlib code is not.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from spawnguard.analysis.findings import Range
from spawnguard.analysis.graph import components
from spawnguard.analysis.module_table import ModuleTable

if TYPE_CHECKING:
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
class ForeignCall:
    """The result of calling `name` of the project module at `path` (what it returns is
    looked up only when it matters: when it is sent to workers)."""

    path: str
    name: str


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


def _module_limit(default: int = 50_000) -> int:
    """Beyond this many modules, a project is analysed file by file (said once, never a
    hang). `SPAWNGUARD_MAX_PROJECT_MODULES` sets it (a positive whole number)."""
    value = os.environ.get("SPAWNGUARD_MAX_PROJECT_MODULES", "")
    return int(value) if value.isdigit() and int(value) > 0 else default


MAX_PROJECT_MODULES = _module_limit()


class _NeedSummary(Exception):
    """Raised by a summary build that asks for a summary not built yet."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Scan:
    """What a module's text says without parsing it."""

    digest: str
    imports: tuple[str, ...]  # the project files its import statements may load
    may_start: bool  # its text may start workers (the worker rules' prefilter)


# A module taken not to matter, and what for: "import" (what importing it does), "loader:NAME"
# (whether NAME is a DataLoader factory), "any" (whether anything of it matters).
Read = tuple[str, str]


@dataclass(frozen=True)
class Built:
    digest: str
    summary: ModuleSummary | None  # None: the module cannot be read or parsed
    # members of an import cycle whose "does not matter" the build read while it was unsettled
    provisional: frozenset[Read] = frozenset()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _hands_out_workers(summary: ModuleSummary | None) -> bool:
    return summary is not None and bool(summary.import_time_start or summary.loader_factories)


class Project:
    """The project's modules, resolved from its roots: the index and the summaries."""

    def __init__(self, roots: Iterable[str], provider: SourceProvider,
                 settings: AnalysisSettings | None = None) -> None:
        from spawnguard.analysis.settings import DEFAULT_SETTINGS

        self.roots = [os.path.abspath(r) for r in roots]
        self.provider = provider
        self.settings = settings or DEFAULT_SETTINGS
        self.table = ModuleTable(self.roots, provider)
        self._scans: dict[str, Scan | None] = {}
        self._matters: dict[str, bool] = {}
        self._built: dict[str, Built] = {}
        self._importers: dict[str, set[str]] = {}
        # While summaries are being built: the work loop's stack, and what the build at its
        # top read of an unsettled cycle.
        self._stack: list[str] | None = None
        self._provisional_reads: set[Read] = set()
        self._settling: set[str] = set()
        self._full_views = False
        # A worker process's first pass: every module not known is taken not to matter, and
        # what was taken so is recorded (`speculate`, `take_reads`).
        self._speculative = False
        self._reads: set[str] = set()
        self._verify_all = False
        self._too_big: bool | None = None
        # How often each module was summarised, and how many texts were scanned (for tests
        # and benches: each module is summarised once per version).
        self.summaries_built: Counter[str] = Counter()
        self.modules_scanned = 0

    # --- size ----------------------------------------------------------------------------------

    @property
    def too_big(self) -> bool:
        """Whether the project has more modules than the index takes (then every file is
        analysed on its own; the CLI and the server say so once)."""
        if self._too_big is None:
            count = getattr(self.provider, "module_count", None)
            self._too_big = count is not None and count() > MAX_PROJECT_MODULES
        return self._too_big

    def too_big_notice(self) -> str:
        return (f"spawnguard: the project under {', '.join(self.roots)} has more than "
                f"{MAX_PROJECT_MODULES:,} Python modules; imports of project modules are not "
                "followed (each file is analysed on its own)")

    # --- changes -------------------------------------------------------------------------------

    def file_changed(self, path: str | None = None, *, created_or_deleted: bool = True) -> None:
        """A project file was edited (or created, or deleted). With its path, only what was
        derived from it and from its importers is dropped; without one, every module is
        checked against its text on the next question. Files coming or going can change
        where any import leads: then the index starts again."""
        if created_or_deleted:
            self.table.files_changed()
            self._scans.clear()
            self._matters.clear()
            self._built.clear()
            self._importers.clear()
            self._too_big = None
            self._verify_all = False
        elif path is not None:
            self._changed(os.path.abspath(path))
        else:
            self._verify_all = True

    def _changed(self, path: str) -> None:
        text = self.provider.read_text(path)
        digest = _digest(text) if text is not None else None
        scan, built = self._scans.get(path), self._built.get(path)
        if (scan is None or scan.digest == digest) and (built is None or built.digest == digest) \
                and (path in self._scans or path in self._built):
            return  # the same text as before (a file opened or saved unchanged)
        self._scans.pop(path, None)
        if scan is not None and text is not None and self._same_for_importers(path, text, scan):
            return
        pending, seen = [path], {path}
        while pending:  # the module and everything that imports it, transitively
            current = pending.pop()
            self._matters.pop(current, None)
            self._built.pop(current, None)
            for importer in self._importers.get(current, ()):
                if importer not in seen:
                    seen.add(importer)
                    pending.append(importer)

    def _same_for_importers(self, path: str, text: str, scan: Scan) -> bool:
        """Whether an edit leaves what the module's importers were told as it was (then only
        the module's own entries are replaced): the same imports, and the same answer to
        "does it hand out worker starts" with the same starts and factories. A module that
        may start workers is summarised again at once for this — one module, not the cone of
        its importers."""
        fresh = self.scan_text(path, text)
        if fresh.imports != scan.imports:
            return False
        if not self._importers.get(path):
            # Nothing imports it (a script): its own answers are worked out when asked.
            self.adopt_scan(path, fresh)
            self._matters.pop(path, None)
            self._built.pop(path, None)
            return True
        mattered = self._matters.get(path)
        old = self._built.get(path)
        if not scan.may_start and not fresh.may_start and not mattered and old is None:
            self.adopt_scan(path, fresh)  # (the common edit: it could start nothing before)
            return True
        if mattered is None or any(p not in self._matters for p in fresh.imports):
            return False  # not settled: nothing was told yet that could stand
        self.adopt_scan(path, fresh)
        self._built.pop(path, None)
        summary = self.summary(path)
        if _hands_out_workers(summary) != bool(mattered):
            return False
        return not mattered or (
            old is not None and old.summary is not None and summary is not None
            and old.summary.import_time_start == summary.import_time_start
            and old.summary.loader_factories == summary.loader_factories)

    def importers_of(self, path: str) -> set[str]:
        """The modules that import `path`, directly or through others (reverse edges)."""
        found: set[str] = set()
        pending = [os.path.abspath(path)]
        while pending:
            for importer in self._importers.get(pending.pop(), ()):
                if importer not in found:
                    found.add(importer)
                    pending.append(importer)
        return found

    def _verify(self) -> None:
        if not self._verify_all:
            return
        self._verify_all = False
        for path in list({*self._scans, *self._built}):
            self._changed(path)

    # --- resolution ----------------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        return self.table.contains(path)

    def module_path(self, module: str, from_path: str | None) -> str | None:
        """The project file of a module spelled as in an import (`.data`, `pkg.utils`)."""
        return self.table.module_path(module, from_path)

    def locate(self, qualname: str, from_path: str | None) -> tuple[str, str] | None:
        """(file of the defining project module, attribute) for `pkg.data.make_loader`,
        without summarising anything."""
        if self.too_big:
            return None
        level = len(qualname) - len(qualname.lstrip("."))
        parts = qualname.lstrip(".").split(".")
        for split in range(len(parts) - 1, -1, -1):
            module = "." * level + ".".join(parts[:split])
            if not module or len(parts) - split != 1:
                continue
            path = self.module_path(module, from_path)
            if path is not None:
                return path, parts[split]
        return None

    def resolve(self, qualname: str, from_path: str | None) -> tuple[ModuleSummary, str] | None:
        """(summary of the defining module, attribute) for `pkg.data.make_loader`."""
        found = self.locate(qualname, from_path)
        if found is None:
            return None
        path, attribute = found
        if self._stack is not None and not self._full_views and not self.matters(path):
            # A build asks only for loader factories here, which such a module has none
            # of; its functions that return lambdas matter only to what a factory's
            # DataLoader sends (`full_views`). Not summarised: no cascade through every
            # module a summarised one calls into.
            return ModuleSummary(path), attribute
        summary = self.summary(path)
        return (summary, attribute) if summary else None

    def loader_factory(self, path: str, name: str) -> LoaderFactory | None:
        """The DataLoader factory `name` of a project module (only a module that matters has
        any: no other module is summarised for this)."""
        if not self.matters(path, f"loader:{name}"):
            return None
        summary = self.summary(path)
        return summary.loader_factories.get(name) if summary is not None else None

    def loader_factories(self, path: str) -> dict[str, LoaderFactory]:
        """Every DataLoader factory of a project module (`from module import *`)."""
        if not self.matters(path):
            return {}
        summary = self.summary(path)
        return dict(summary.loader_factories) if summary is not None else {}

    def unpicklable_factory(self, call: ForeignCall) -> UnpicklableFactory | None:
        """Whether the called function of another module returns a lambda or a nested
        function: asked only of what is sent to workers."""
        summary = self.summary(call.path)
        return summary.unpicklable_factories.get(call.name) if summary is not None else None

    @contextmanager
    def full_views(self) -> Iterator[None]:
        """While a build works out what a DataLoader factory sends to workers: imported
        modules' summaries are built in full (lambda factories, dataset state)."""
        before, self._full_views = self._full_views, True
        try:
            yield
        finally:
            self._full_views = before

    # --- the index: which modules can hand out a worker start -----------------------------------

    def _scan(self, path: str) -> Scan | None:
        if path in self._scans:
            return self._scans[path]
        text = self.provider.read_text(path)
        scan = self.scan_text(path, text) if text is not None else None
        self.adopt_scan(path, scan)
        return scan

    def scan_text(self, path: str, text: str) -> Scan:
        """What the index needs of a module's text (it can be worked out where the text was
        read — a worker process of the CLI — and handed to `adopt_scan`)."""
        from spawnguard.analysis.apis import may_start_workers

        path = os.path.abspath(path)
        imports = tuple(p for p in self.table.imported_paths(text, path) if p != path)
        return Scan(_digest(text), imports, may_start_workers(text))

    def adopt_scan(self, path: str, scan: Scan | None) -> None:
        path = os.path.abspath(path)
        if path in self._scans:
            return
        if scan is not None:
            self.modules_scanned += 1
            for imported in scan.imports:
                self._importers.setdefault(imported, set()).add(path)
        self._scans[path] = scan

    def may_start_at(self, path: str) -> bool:
        """Whether the module's text may start workers (from its scan)."""
        scan = self._scan(os.path.abspath(path))
        return scan is not None and scan.may_start

    def imports_matter(self, scan: Scan) -> bool:
        """`may_matter_to` for a text already scanned."""
        return not self.too_big and any(self.matters(p) for p in scan.imports)

    def _imports_of(self, path: str) -> tuple[str, ...]:
        scan = self._scan(path)
        return scan.imports if scan is not None else ()

    def may_matter_to(self, text: str, path: str | None) -> bool:
        """Whether a file with this text imports a project module that starts workers when
        imported or hands out a DataLoader with workers — the only ways a file that names no
        worker API itself can get a finding. Exact: the modules it imports are settled."""
        if self.too_big:
            return False
        return any(self.matters(imported) for imported in self.table.imported_paths(text, path))

    def matters(self, path: str, use: str = "any") -> bool:
        """Whether importing `path` starts workers, or it hands out a DataLoader with workers.
        `use` says what the asker does with a yes (see `Read`)."""
        path = os.path.abspath(path)
        self._verify()
        if path in self._settling:
            if not self._matters[path]:
                self._provisional_reads.add((path, use))
            return self._matters[path]
        if path not in self._matters and self._speculative:
            self._provisional_reads.add((path, use))
            return False
        if path not in self._matters:
            if self._stack is not None:
                # Asked by a build, for a module outside the settled cone (an import the text
                # scan did not list): its summary says it.
                return _hands_out_workers(self.summary(path))
            self.index([path])
        return self._matters.get(path, False)

    def index(self, paths: Iterable[str],
              progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> bool:
        """Settle `matters` for these modules and everything they import, dependencies first.
        `progress` hears the number of modules settled so far; `cancelled` is asked between
        components. Returns False when cancelled (what was settled is kept)."""
        if self.too_big:
            return True
        self._verify()
        settled = 0
        for component in components((os.path.abspath(p) for p in paths), self._imports_of,
                                    known=self._matters.__contains__):
            self._settle(component)
            settled += len(component)
            if progress is not None:
                progress(settled)
            if cancelled is not None and cancelled():
                return False
        return True

    def _settle(self, component: list[str]) -> None:
        """`matters` for one strongly connected component whose imports outside it are settled.
        Only members that may start workers themselves, or import a module that matters, are
        summarised; an importer is looked at again when a member it imports turns out to
        matter."""
        members = set(component)
        for member in component:
            self._matters[member] = False
        queue = deque(member for member in component if self._may_start_here(member, members))
        queued = set(queue)
        self._settling = members
        try:
            while queue:
                member = queue.popleft()
                queued.discard(member)
                built = self._built.get(member)
                if built is not None and self._stale(built):
                    del self._built[member]  # it read an answer that has changed since
                if not _hands_out_workers(self.summary(member)) or self._matters[member]:
                    continue
                self._matters[member] = True
                for importer in self._importers.get(member, ()):
                    if importer in members and importer not in queued:
                        queued.add(importer)
                        queue.append(importer)
        finally:
            self._settling = set()

    def _may_start_here(self, path: str, members: set[str]) -> bool:
        scan = self._scan(path)
        return scan is not None and (scan.may_start or any(
            self._matters.get(imported) for imported in scan.imports if imported not in members))

    def import_summary(self, path: str) -> ModuleSummary | None:
        """The summary of a module imported by the one being summarised or analysed, for what
        importing it does: None when it is known to hand out no worker start (then it is not
        summarised at all)."""
        if self.too_big or not self.matters(path, "import"):
            return None
        return self.summary(path)

    # --- a first pass in parallel ---------------------------------------------------------------

    def speculate(self) -> None:
        """From now on, a module not settled is taken not to matter, and each such answer is
        recorded: a worker process analyses its files before the index is settled, and the
        parent re-analyses only the files whose recorded answers turned out wrong."""
        self._speculative = True
        self._provisional_reads = set()

    def take_reads(self) -> frozenset[Read]:
        """The modules taken not to matter since the last call."""
        reads = frozenset(self._provisional_reads)
        self._provisional_reads = set()
        return reads

    def built_since(self, known: Iterable[str]) -> dict[str, Built]:
        known = set(known)
        return {path: built for path, built in self._built.items() if path not in known}

    def adopt_built(self, built: dict[str, Built]) -> None:
        """Summaries built elsewhere (a worker's first pass) from the same texts."""
        for path, entry in built.items():
            self._built.setdefault(path, entry)

    def wrongly_assumed(self, reads: Iterable[Read]) -> bool:
        """Whether any of these modules, taken not to matter, does."""
        return any(self._matters.get(path) for path, _ in reads)

    def drop_stale_builds(self) -> None:
        """Forget summaries that read a "does not matter" that the index has since raised."""
        for path, built in list(self._built.items()):
            if self._stale(built):
                del self._built[path]

    def _stale(self, built: Built) -> bool:
        """Whether a summary would come out differently now that some module it took not to
        matter does: only when that module has what the build would have used."""
        own_start = built.summary is not None and built.summary.import_time_start is not None \
            and built.summary.import_time_start.path == built.summary.path
        for path, use in built.provisional:
            if not self._matters.get(path):
                continue
            theirs = self._built.get(path)
            summary = theirs.summary if theirs is not None else None
            if summary is None:
                return True
            if use == "import":
                # Its own start is reported before any import's.
                if summary.import_time_start is not None and not own_start:
                    return True
            elif use.startswith("loader:"):
                if use.removeprefix("loader:") in summary.loader_factories:
                    return True
            elif summary.loader_factories or (summary.import_time_start and not own_start):
                return True
        return False

    # --- summaries -----------------------------------------------------------------------------

    def summary(self, path: str) -> ModuleSummary | None:
        """The module's summary, built (with what it needs first) when not known yet."""
        if self.too_big:
            return None
        path = os.path.abspath(path)
        self._verify()
        built = self._built.get(path)
        if built is not None:
            return built.summary
        if self._stack is not None:
            if path in self._stack:
                return ModuleSummary(path)  # an import cycle: the outer build sees the rest
            raise _NeedSummary(path)
        if path not in self._matters and not self._speculative:
            self.index([path])  # what it imports is settled before it is built
            if path in self._built:
                return self._built[path].summary
        return self._build_with_dependencies(path)

    def _build_with_dependencies(self, target: str) -> ModuleSummary | None:
        """The work loop: builds `target`, first building each summary a build asks for."""
        stack = [target]
        self._stack = stack
        trees: dict[str, object] = {}  # parsed once even when a build starts again
        outer_reads = self._provisional_reads  # the asker depends on what the builds read
        try:
            while stack:
                path = stack[-1]
                if path in self._built:
                    stack.pop()
                    continue
                self._provisional_reads = set()
                try:
                    built = self._build(path, trees)
                except _NeedSummary as need:
                    stack.append(need.path)
                    continue
                self._built[path] = built
                outer_reads |= built.provisional
                stack.pop()
        finally:
            self._stack = None
            self._provisional_reads = outer_reads
        built = self._built.get(target)
        return built.summary if built is not None else None

    def _build(self, path: str, trees: dict[str, object]) -> Built:
        import ast

        from spawnguard.analysis.chunks import parse_text
        from spawnguard.analysis.model import ModuleModel
        from spawnguard.analysis.source import SourceText
        from spawnguard.analysis.summaries import summarize

        text = self.provider.read_text(path)
        if text is None:
            return Built("", None)
        digest = _digest(text)
        if path not in trees:
            trees[path] = parse_text(text)
        tree = trees[path]
        # A module that does not parse, or nests too deeply to model, has no summary.
        if not isinstance(tree, ast.Module):
            return Built(digest, None)
        model = ModuleModel.build(SourceText(text), tree, settings=self.settings, path=path,
                                  project=self)
        summary = summarize(model)
        for dependency in model.project_dependencies:
            if dependency != path:
                self._importers.setdefault(dependency, set()).add(path)
        self.summaries_built[path] += 1
        return Built(digest, summary, frozenset(self._provisional_reads))
