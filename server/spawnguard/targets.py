"""Which files `spawnguard check` looks at, of what kind, and under which configuration.

Each file gets the configuration of the nearest `pyproject.toml` with a `[tool.spawnguard]`
table at or above it (or the `--config` file): walking into a sub-project switches to its
configuration, whose globs are anchored at its own folder. A folder that cannot be read is
reported (as SPG000 on the folder) instead of being skipped in silence.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from spawnguard import engine
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.config import Config, find_config_file, has_config_table, load_config
from spawnguard.notebook_file import NotebookFile

STDIN_PATH = "-"


class UsageError(Exception):
    """A mistake on the command line; printed as `spawnguard: error: …`, exit 2."""


# --- kinds of files -------------------------------------------------------------------------


class FileKind(Protocol):
    """How one kind of file is analysed and fixed, in the text read from disk."""

    name: str
    suffixes: tuple[str, ...]

    def analyze(self, text: str, *, path: str, settings: AnalysisSettings,
                project: Project | None = None) -> list[Finding]: ...

    def fix(self, text: str, *, path: str, settings: AnalysisSettings,
            project: Project | None = None) -> engine.FixResult: ...


@dataclass(frozen=True)
class PythonFile:
    name: str = "python"
    suffixes: tuple[str, ...] = (".py",)

    def analyze(self, text: str, *, path: str, settings: AnalysisSettings,
                project: Project | None = None) -> list[Finding]:
        return engine.analyze(text, path=path, settings=settings, project=project)

    def fix(self, text: str, *, path: str, settings: AnalysisSettings,
            project: Project | None = None) -> engine.FixResult:
        return engine.fix_text(text, path=path, settings=settings, project=project)


PYTHON = PythonFile()
NOTEBOOK = NotebookFile()
FILE_KINDS: list[FileKind] = [PYTHON, NOTEBOOK]


def kind_of(path: str, *, explicit: bool) -> FileKind | None:
    """The kind for a file; a file named on the command line is Python unless known otherwise."""
    lowered = path.lower()
    for kind in FILE_KINDS:
        if lowered.endswith(kind.suffixes):
            return kind
    return PYTHON if explicit else None


# --- configuration per folder ---------------------------------------------------------------


@dataclass
class ConfigResolver:
    """One configuration per `pyproject.toml`, found from each checked path."""

    config_file: Path | None
    select: tuple[str, ...] | None
    ignore: tuple[str, ...] | None
    _cache: dict[Path | None, Config] = field(default_factory=dict)

    def for_path(self, start: Path) -> Config:
        return self._load(self.config_file or find_config_file(start))

    def for_subfolder(self, folder: Path, parent: Config) -> Config:
        """The configuration of a folder met while walking, whose parent folder has `parent`."""
        if self.config_file is not None:
            return parent
        found = has_config_table(folder)
        return parent if found is None else self._load(found)

    def _load(self, found: Path | None) -> Config:
        if found not in self._cache:
            # No config file: the defaults, with exclude globs relative to the working folder.
            config = load_config(config_file=found) if found else Config(root=Path.cwd().resolve())
            self._cache[found] = config.with_overrides(self.select, self.ignore)
        return self._cache[found]


# --- the targets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    display_path: str  # as given, or as found under a folder that was given
    file: Path | None  # None: standard input
    config: Config
    kind: FileKind
    # Why this target cannot be checked (a folder that cannot be read); reported as SPG000.
    problem: str | None = None


def printable(path: str) -> str:
    """A path for reports: bytes of a file name that are not UTF-8 (kept by Python as lone
    surrogates, which no UTF-8 output can encode) are shown as `\\xff` escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def collect_targets(
    paths: Sequence[str], stdin_filename: str | None, configs: ConfigResolver, *,
    force_exclude: bool = False,
) -> list[Target]:
    """The files to check. A file named explicitly is checked even when an exclude glob
    matches it (as in ruff), unless `force_exclude` (for pre-commit, which names every file)."""
    missing = [p for p in paths if p != STDIN_PATH and not os.path.lexists(p)]
    if missing:
        raise UsageError("; ".join(f"{printable(p)}: no such file or directory"
                                   for p in missing))
    targets: list[Target] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN_PATH:
            display = printable(stdin_filename or STDIN_PATH)
            start = Path(stdin_filename).parent if stdin_filename else Path.cwd()
            kind = kind_of(display, explicit=True) or PYTHON
            targets.append(Target(display, None, configs.for_path(start), kind))
            continue
        if os.path.isdir(given):
            for target in walk_directory(given, configs):
                key = os.path.abspath(target.file) if target.file else target.display_path
                if key not in seen:
                    seen.add(key)
                    targets.append(target)
        elif os.path.abspath(given) not in seen:
            seen.add(os.path.abspath(given))
            path = Path(given)
            config = configs.for_path(path)
            if force_exclude and config.excludes_path(path):
                continue
            kind = kind_of(path.name, explicit=True) or PYTHON
            targets.append(Target(printable(given), path, config, kind))
    return targets


def walk_directory(given: str, configs: ConfigResolver) -> Iterator[Target]:
    """The checkable files under the folder `given`, each with its configuration, honouring
    the excludes of the configuration that governs each folder; sorted by name per folder."""
    top = configs.for_path(Path(given))
    # (folder, its configuration, the folder's path relative to where that configuration's
    # globs are anchored: "" at the anchor)
    pending = [(given, top, _anchor(given, top))]
    while pending:
        folder, config, prefix = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            display = printable(os.path.normpath(folder))
            yield Target(display, Path(folder), config, PYTHON,
                         problem=f"cannot read folder: {error.strerror or error}")
            continue
        subfolders = []
        for entry in entries:
            key = f"{prefix}/{entry.name}" if prefix else entry.name
            if _is_folder(entry):
                if not config.is_excluded(key, is_dir=True):
                    sub_config = configs.for_subfolder(Path(entry.path), config)
                    subfolders.append((entry.path, sub_config,
                                       key if sub_config is config else ""))
            elif kind_of(entry.name, explicit=False) is not None \
                    and not config.is_excluded(key) and not _is_special_file(entry):
                yield Target(printable(os.path.normpath(entry.path)), Path(entry.path), config,
                             kind_of(entry.name, explicit=False) or PYTHON)
        pending.extend(reversed(subfolders))  # depth first, in name order


def _anchor(given: str, config: Config) -> str:
    """Where the folder `given` sits relative to its configuration's root, for glob matching."""
    base = Path(os.path.realpath(given))
    try:
        key = base.relative_to(config.root).as_posix()
    except ValueError:
        return ""  # outside the configuration's folder: globs match below `given` itself
    if key == "." or config.is_excluded(key, is_dir=True):
        # The root itself, or a folder asked for although excluded: match below it.
        return ""
    return key


def _is_folder(entry: os.DirEntry[str]) -> bool:
    # Symlinked folders are not followed (as os.walk does not): no loops, no double counts.
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_special_file(entry: os.DirEntry[str]) -> bool:
    """A FIFO, socket or device named `*.py` (reading it could block forever). A file that
    cannot be examined, or a broken link, is not special: reading it reports the problem."""
    try:
        return not entry.is_file() and os.path.exists(entry.path)
    except OSError:
        return False
