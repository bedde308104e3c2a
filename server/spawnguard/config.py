"""Loading `[tool.spawnguard]` from `pyproject.toml` (or a `--config` file).

Kept apart from the CLI's argument handling so that the language server loads settings the
same way. Every problem with a configuration is a `ConfigError` whose message names the file,
the key and the accepted values; callers print it and stop (the CLI exits 2).

Which file applies: the nearest `pyproject.toml` with a `[tool.spawnguard]` table, walking up
from the checked path (like ruff, a sub-project's `pyproject.toml` without the table does not
hide the repository's settings). Exclude globs are relative to that file's folder.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from spawnguard.analysis.findings import Severity
from spawnguard.analysis.settings import START_METHODS, AnalysisSettings
from spawnguard.rules import RULES_BY_CODE

if TYPE_CHECKING:
    import pathspec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
TABLE = "tool.spawnguard"

# Skipped while walking directories. `exclude` replaces this list (as in ruff);
# `extend-exclude` adds to it.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".*/",  # hidden folders: .git, .venv, .tox, .mypy_cache, ...
    "__pycache__/",
    "site-packages/",
    "node_modules/",
    "venv/",
    "build/",
)
# The folders `DEFAULT_EXCLUDE` names besides hidden ones: with the default list, paths are
# matched by name, without building (or importing) pathspec.
_DEFAULT_EXCLUDED_FOLDERS = frozenset(
    glob.rstrip("/") for glob in DEFAULT_EXCLUDE if not glob.startswith("."))

KNOWN_KEYS = (
    "select",
    "ignore",
    "severity",
    "exclude",
    "extend-exclude",
    "assume-start-method",
)

# Limits that keep a hostile configuration from costing unbounded time: every exclude glob is
# matched against every path, and a glob with many `*` in one path segment (or many `**`)
# backtracks exponentially in the regular expression it becomes.
MAX_LIST_ENTRIES = 1000
MAX_ENTRY_LENGTH = 1000
MAX_STARS_IN_SEGMENT = 3
MAX_GLOBSTARS = 4
# Values and keys quoted in messages are cut to this many characters.
SHOWN_LENGTH = 60

# `select = ["ALL"]` reads as ruff users expect.
ALL_SELECTOR = "ALL"
RULE_PREFIX = "SPG"


class ConfigError(Exception):
    """A configuration problem; the message is meant for the user as it is."""


# Builds the error for (key, problem), with the file and table prefix filled in.
_Fail = Callable[[str, str], ConfigError]


@dataclass(frozen=True)
class Config:
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    # The folder exclude globs are relative to: the config file's folder.
    root: Path = field(default_factory=Path.cwd)
    # The file the settings came from; None for built-in defaults.
    path: Path | None = None

    @cached_property
    def exclude_spec(self) -> pathspec.PathSpec:
        return compile_globs([*self.exclude, *self.extend_exclude], "exclude")

    def is_excluded(self, relative_path: str, *, is_dir: bool = False) -> bool:
        """Whether a path relative to `root` (POSIX separators) matches an exclude glob."""
        candidate = relative_path.rstrip("/") + ("/" if is_dir else "")
        if not candidate.strip("/"):
            return False
        if self.exclude == DEFAULT_EXCLUDE and not self.extend_exclude:
            return matches_default_exclude(candidate)
        return self.exclude_spec.match_file(candidate)

    def excludes_path(self, path: Path) -> bool:
        """Whether a file (absolute or relative to the working folder) is excluded.

        Paths outside `root` are never excluded: the globs say nothing about them.
        """
        try:  # (os.path.realpath: no RuntimeError on a symlink loop, unlike Path.resolve)
            relative = Path(os.path.realpath(path)).relative_to(self.root)
        except ValueError:
            return False
        return self.is_excluded(relative.as_posix(), is_dir=os.path.isdir(path))

    def with_overrides(
        self, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None
    ) -> Config:
        """Apply the CLI's `--select` / `--ignore` on top of this configuration.

        As in ruff, a command-line `--select` starts a fresh selection (with the command
        line's `--ignore` applied to it); a command-line `--ignore` alone switches codes off
        in whatever the configuration enabled.
        """
        if select is None and ignore is None:
            return self
        if select is not None:
            settings = replace(self.settings, select=tuple(select), ignore=tuple(ignore or ()))
        else:
            enabled = tuple(c for c in sorted(RULES_BY_CODE) if self.settings.is_enabled(c))
            extra_ignore = tuple(ignore or ())
            still_enabled = tuple(
                c for c in enabled if not any(c.startswith(p) for p in extra_ignore)
            )
            settings = replace(self.settings, select=still_enabled, ignore=())
        return replace(self, settings=settings)


# --- finding and reading the file -------------------------------------------------------------


def find_config_file(start: Path) -> Path | None:
    """The nearest `pyproject.toml` at or above `start` that has a `[tool.spawnguard]` table."""
    # os.path, not Path methods: these answer False for a folder that cannot be read, a name
    # that is too long or a symlink loop, where Path.resolve/is_dir raise.
    resolved = os.path.realpath(start)
    folder = Path(resolved if os.path.isdir(resolved) else os.path.dirname(resolved))
    for candidate_dir in (folder, *folder.parents):
        if (candidate := has_config_table(candidate_dir)) is not None:
            return candidate
    return None


def has_config_table(folder: Path) -> Path | None:
    """`folder`'s `pyproject.toml` when it has a `[tool.spawnguard]` table."""
    candidate = folder / PYPROJECT
    if os.path.isfile(candidate) and _spawnguard_table(read_toml(candidate), candidate) is not None:
        return candidate
    return None


def load_config(start: Path | None = None, config_file: Path | None = None) -> Config:
    """The configuration for files at or below `start` (default: the current folder).

    `config_file` (the CLI's `--config`) wins over the search. Such a file is read as a
    `pyproject.toml` when it has that name or a `[tool.spawnguard]` table, otherwise its top
    level holds the keys (a `spawnguard.toml`).
    """
    if config_file is not None:
        path = Path(config_file)
        if not os.path.isfile(path):
            raise ConfigError(f"--config: {path}: no such file")
        document = read_toml(path)
        table = _spawnguard_table(document, path)
        if table is not None or path.name == PYPROJECT:
            return config_from_table(
                table or {}, root=path.resolve().parent, path=path, key_prefix=TABLE + "."
            )
        return config_from_table(document, root=path.resolve().parent, path=path)
    found = find_config_file(start or Path.cwd())
    if found is None:
        folder = Path(os.path.realpath(start or Path.cwd()))
        return Config(root=folder if os.path.isdir(folder) else folder.parent)
    table = _spawnguard_table(read_toml(found), found) or {}
    return config_from_table(table, root=found.parent, path=found, key_prefix=TABLE + ".")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: the file is not UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def _spawnguard_table(document: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    tool = document.get("tool")
    if not isinstance(tool, Mapping):
        return None
    table = tool.get("spawnguard")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: `{TABLE}` must be a table, not {_type_name(table)}")
    return table


# --- validating the table ---------------------------------------------------------------------


def config_from_table(
    table: Mapping[str, Any], *, root: Path, path: Path | None = None, key_prefix: str = ""
) -> Config:
    """Validate a `[tool.spawnguard]` table and build the `Config` it describes."""
    where = f"{path}: " if path is not None else ""

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}`{key_prefix}{_cut(key)}`: {problem}")

    unknown = [key for key in table if key not in KNOWN_KEYS]
    if unknown:
        key = unknown[0]
        suggestion = key.replace("_", "-")
        hint = f"; did you mean `{suggestion}`?" if suggestion in KNOWN_KEYS else ""
        raise fail(key, f"unknown key (accepted keys: {', '.join(KNOWN_KEYS)}){hint}")

    selectors = {}
    for key in ("select", "ignore"):
        try:
            selectors[key] = parse_selectors(_string_list(table, key, fail))
        except ValueError as error:
            raise fail(key, str(error)) from None
    select, ignore = selectors["select"], selectors["ignore"]
    severity = _severity_table(table, fail)
    exclude = _string_list(table, "exclude", fail)
    extend_exclude = _string_list(table, "extend-exclude", fail)
    for key, globs in (("exclude", exclude), ("extend-exclude", extend_exclude)):
        if globs is not None:
            try:
                compile_globs(globs, key)
            except ConfigError as error:
                raise fail(key, str(error)) from None

    start_method = table.get("assume-start-method", "spawn")
    if start_method not in START_METHODS:
        raise fail(
            "assume-start-method",
            f"{_shown(start_method)} is not a start method "
            f"(accepted: {', '.join(START_METHODS)})",
        )

    settings = AnalysisSettings(
        select=select if select is not None else AnalysisSettings().select,
        ignore=ignore or (),
        severity=MappingProxyType(severity),
        assume_start_method=start_method,
    )
    return Config(
        settings=settings,
        exclude=tuple(exclude) if exclude is not None else DEFAULT_EXCLUDE,
        extend_exclude=tuple(extend_exclude or ()),
        root=root.resolve(),
        path=path,
    )


def parse_selectors(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """Normalise rule codes / prefixes; ValueError for one that matches no rule."""
    if values is None:
        return None
    result = []
    for raw in dict.fromkeys(values):  # a long list of repeats is checked once
        value = raw.strip().upper()
        if value == ALL_SELECTOR:
            value = RULE_PREFIX
        if not value or not any(code.startswith(value) for code in RULES_BY_CODE):
            raise ValueError(
                f"{_shown(raw)} is not a rule code or prefix "
                f"(known codes: {', '.join(sorted(RULES_BY_CODE))}; a prefix such as SPG2, "
                f"or {ALL_SELECTOR}, selects several)"
            )
        result.append(value)
    return tuple(dict.fromkeys(result))


def parse_comma_list(text: str) -> list[str]:
    """`"SPG101, SPG2"` → `["SPG101", "SPG2"]` (for the CLI's --select/--ignore)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def matches_default_exclude(candidate: str) -> bool:
    """`DEFAULT_EXCLUDE` matched by hand (the tests check it against pathspec): a path is
    excluded when one of its folders is hidden or has one of the excluded names. `candidate`
    is relative, with `/` separators, and ends with `/` when it is a folder."""
    return any(is_default_excluded_folder(folder) for folder in candidate.split("/")[:-1]
               if folder)


def is_default_excluded_folder(name: str) -> bool:
    """A folder the default excludes skip: hidden, or `__pycache__`, `site-packages`, …"""
    return name.startswith(".") or name in _DEFAULT_EXCLUDED_FOLDERS


def compile_globs(globs: Sequence[str], key: str) -> pathspec.PathSpec:
    import pathspec  # only for configured globs: the defaults need no PathSpec

    for glob in globs:
        problem = _glob_problem(glob)
        if problem:
            raise ConfigError(f"invalid glob in `{key}`: {_shown(glob)} {problem}")
        try:  # one by one, to name the glob that fails
            pathspec.GitIgnoreSpec.from_lines([glob])
        except (ValueError, re.error) as error:  # re.error: a range like `[z-a]`
            raise ConfigError(f"invalid glob in `{key}`: {_shown(glob)}: {_cut(str(error))}"
                              ) from None
    return pathspec.GitIgnoreSpec.from_lines(globs)


def _glob_problem(glob: str) -> str | None:
    segments = glob.split("/")
    if sum(segment == "**" for segment in segments) > MAX_GLOBSTARS:
        return f"has more than {MAX_GLOBSTARS} `**` (matching it could take very long)"
    if any(segment != "**" and segment.count("*") > MAX_STARS_IN_SEGMENT
           for segment in segments):
        return (f"has more than {MAX_STARS_IN_SEGMENT} `*` in one path segment "
                "(matching it could take very long)")
    return None


def _string_list(table: Mapping[str, Any], key: str, fail: _Fail) -> list[str] | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(key, f"expected a list of strings, got {_type_name(value)}")
    if len(value) > MAX_LIST_ENTRIES:
        raise fail(key, f"{len(value)} entries; at most {MAX_LIST_ENTRIES} are accepted")
    long = next((item for item in value if len(item) > MAX_ENTRY_LENGTH), None)
    if long is not None:
        raise fail(key, f"{_shown(long)} is {len(long)} characters long; at most "
                        f"{MAX_ENTRY_LENGTH} are accepted")
    return value


def _severity_table(table: Mapping[str, Any], fail: _Fail) -> dict[str, Severity]:
    value = table.get("severity", {})
    if not isinstance(value, Mapping):
        raise fail("severity", f"expected a table like {{ SPG201 = \"warning\" }}, got "
                   f"{_type_name(value)}")
    accepted = ", ".join(s.label for s in sorted(Severity, reverse=True))
    result: dict[str, Severity] = {}
    for raw_code, raw_level in value.items():
        code = str(raw_code).strip().upper()
        if code not in RULES_BY_CODE:
            raise fail(
                f"severity.{raw_code}",
                f"unknown rule code (known codes: {', '.join(sorted(RULES_BY_CODE))})",
            )
        if not isinstance(raw_level, str):
            raise fail(f"severity.{raw_code}",
                       f"expected one of {accepted}, got {_type_name(raw_level)}")
        try:
            result[code] = Severity.parse(raw_level)
        except ValueError:
            raise fail(f"severity.{raw_code}",
                       f"{_shown(raw_level)} is not a severity (accepted: {accepted})") from None
    return result


def _type_name(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    for kind, name in names.items():
        if type(value) is kind:
            return f"{name} ({_shown(value)})" if kind in (str, bool, int, float) else name
    return type(value).__name__


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _shown(value: object) -> str:
    """A value quoted in a message: its repr, cut short (a 1 MB string is named, not shown)."""
    return _cut(repr(value))
