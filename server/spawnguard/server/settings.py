"""The server's settings: the editor's, the filesystem's (`[tool.spawnguard]`), and how they mix.

Editor settings come from `initializationOptions` (flat, or under `settings` as ruff's
clients send them, or under `spawnguard`), from `workspace/configuration` (section
`spawnguard`, globally and per workspace folder) and from `workspace/didChangeConfiguration`.
Keys (camelCase; `snake_case` and `kebab-case` spellings are accepted too):

    enable, select, ignore, severity, assumeStartMethod, exclude, lintOnChange, interpreter,
    configurationPreference = "editorFirst" | "filesystemFirst" | "editorOnly",
    docsUrl (where rule codes link to; "" = the pages shipped in the package)

A bad value is reported once (the caller shows `problems`) and that key takes its default.
`configurationPreference` decides, key by key, who wins where both the editor and the nearest
`pyproject.toml` set a value (severity maps merge code by code); `editorOnly` ignores the
file. For the same effective settings the server's findings equal `spawnguard check`'s.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pathspec

from spawnguard import __version__
from spawnguard.analysis.findings import Severity
from spawnguard.analysis.settings import START_METHODS, AnalysisSettings
from spawnguard.config import (
    DEFAULT_EXCLUDE,
    Config,
    ConfigError,
    compile_globs,
    load_config,
    parse_selectors,
    read_toml,
)
from spawnguard.rules import RULES_BY_CODE

SECTION = "spawnguard"
EDITOR_FIRST, FILESYSTEM_FIRST, EDITOR_ONLY = "editorFirst", "filesystemFirst", "editorOnly"
CONFIGURATION_PREFERENCES = (EDITOR_FIRST, FILESYSTEM_FIRST, EDITOR_ONLY)
# Settings the VS Code client reads itself; the server need not know them.
CLIENT_ONLY_KEYS = frozenset({"trace", "path", "importstrategy", "shownotifications", "loglevel"})
# The rule pages of this version, rendered by GitHub (package.json has the same default).
DEFAULT_DOCS_URL = (
    f"https://github.com/spawnguard/spawnguard/blob/v{__version__}/server/spawnguard/docs/rules"
)
DOCS_URL_SCHEMES = ("https", "http", "file")
# Folders whose code is not the user's: never analysed.
THIRD_PARTY_PARTS = frozenset({"site-packages", "dist-packages"})


@dataclass(frozen=True)
class EditorSettings:
    """What the editor said; None means "not set" (so the filesystem or the default applies)."""

    enable: bool = True
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: Mapping[str, Severity] | None = None
    assume_start_method: str | None = None
    exclude: tuple[str, ...] | None = None
    lint_on_change: bool = True
    interpreter: str | None = None
    configuration_preference: str = EDITOR_FIRST
    docs_url: str | None = None


@dataclass(frozen=True)
class ParsedSettings:
    settings: EditorSettings
    # One line per bad value, naming the setting and what it accepts.
    problems: tuple[str, ...] = ()
    unknown_keys: tuple[str, ...] = ()


def _normalise_key(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def unwrap_initialization_options(options: Any) -> Any:
    """The settings object inside `initializationOptions` (flat or wrapped)."""
    if isinstance(options, Mapping):
        for wrapper in ("settings", SECTION):
            if isinstance(options.get(wrapper), Mapping):
                return options[wrapper]
    return options


def parse_editor_settings(raw: Any) -> ParsedSettings:
    """Validate the editor's settings object; bad values become problems and take defaults."""
    if raw is None:
        return ParsedSettings(EditorSettings())
    if not isinstance(raw, Mapping):
        return ParsedSettings(
            EditorSettings(),
            (f"`{SECTION}` settings must be an object, not {_describe(raw)}",),
        )
    values: dict[str, Any] = {}
    problems: list[str] = []
    unknown: list[str] = []
    for key, value in raw.items():
        name = _normalise_key(str(key))
        parser = _PARSERS.get(name)
        if parser is None:
            if name not in CLIENT_ONLY_KEYS:
                unknown.append(str(key))
            continue
        field_name, parse = parser
        if value is None:
            continue  # null: not set
        try:
            values[field_name] = parse(value, problems)
        except ValueError as error:
            problems.append(f"`{SECTION}.{_CAMEL[field_name]}`: {error}")
    return ParsedSettings(EditorSettings(**values), tuple(problems), tuple(unknown))


# --- one parser per key ------------------------------------------------------------------------


def _parse_bool(value: Any, problems: list[str]) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_describe(value)}")
    return value


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(f"expected a list of strings, got {_describe(value)}")


def _parse_selectors(value: Any, problems: list[str]) -> tuple[str, ...]:
    return parse_selectors(_string_list(value)) or ()


def _parse_severity(value: Any, problems: list[str]) -> Mapping[str, Severity]:
    if not isinstance(value, Mapping):
        raise ValueError(f'expected an object like {{"SPG201": "warning"}}, got {_describe(value)}')
    accepted = ", ".join(s.label for s in Severity)
    result: dict[str, Severity] = {}
    for raw_code, raw_level in value.items():
        code = str(raw_code).strip().upper()
        where = f"`{SECTION}.severity.{raw_code}`"
        if code not in RULES_BY_CODE:
            known = ", ".join(sorted(RULES_BY_CODE))
            problems.append(f"{where}: unknown rule code (known: {known})")
            continue
        try:
            if not isinstance(raw_level, str):
                raise ValueError
            result[code] = Severity.parse(raw_level)
        except ValueError:
            problems.append(f"{where}: {_describe(raw_level)} is not a severity ({accepted})")
    return MappingProxyType(result)


def _one_of(choices: Sequence[str]) -> Any:
    def parse(value: Any, problems: list[str]) -> str:
        if value not in choices:
            raise ValueError(f"{_describe(value)} is not one of {', '.join(choices)}")
        return str(value)

    return parse


def _parse_exclude(value: Any, problems: list[str]) -> tuple[str, ...]:
    globs = _string_list(value)
    try:
        compile_globs(globs, "exclude")
    except ConfigError as error:
        raise ValueError(str(error)) from None
    return tuple(globs)


def _parse_interpreter(value: Any, problems: list[str]) -> str | None:
    # The Python extension hands over a list (executable and arguments); take the executable.
    if isinstance(value, str):
        path = value.strip() or None
    elif isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        path = next((item for item in value if item.strip()), None)
    else:
        raise ValueError(f"expected a path to a Python executable, got {_describe(value)}")
    if path is not None and not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ValueError(f"{path!r} is not an executable file")
    if path is not None and not _is_python3(path):
        raise ValueError(f"{path!r} is not a Python 3 interpreter")
    return path


def _parse_docs_url(value: Any, problems: list[str]) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a URL, got {_describe(value)}")
    url = value.strip()
    if url and urllib.parse.urlsplit(url).scheme not in DOCS_URL_SCHEMES:
        raise ValueError(f"{url!r} is not an http(s) or file URL (\"\" for the shipped pages)")
    return url


@lru_cache(maxsize=16)
def _is_python3(path: str) -> bool:
    """Asks the interpreter for its major version (jedi would run it anyway, for hover; the
    client keeps workspace settings from naming it in untrusted workspaces)."""
    try:
        completed = subprocess.run(
            [path, "-I", "-c", "import sys; print(sys.version_info[0])"],
            capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0 and completed.stdout.strip() == "3"


_PARSERS: dict[str, tuple[str, Any]] = {
    "enable": ("enable", _parse_bool),
    "select": ("select", _parse_selectors),
    "ignore": ("ignore", _parse_selectors),
    "severity": ("severity", _parse_severity),
    "assumestartmethod": ("assume_start_method", _one_of(START_METHODS)),
    "exclude": ("exclude", _parse_exclude),
    "lintonchange": ("lint_on_change", _parse_bool),
    "interpreter": ("interpreter", _parse_interpreter),
    "configurationpreference": ("configuration_preference", _one_of(CONFIGURATION_PREFERENCES)),
    "docsurl": ("docs_url", _parse_docs_url),
}
_CAMEL = {
    "enable": "enable",
    "select": "select",
    "ignore": "ignore",
    "severity": "severity",
    "assume_start_method": "assumeStartMethod",
    "exclude": "exclude",
    "lint_on_change": "lintOnChange",
    "interpreter": "interpreter",
    "configuration_preference": "configurationPreference",
    "docs_url": "docsUrl",
}


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


# --- the filesystem's part -----------------------------------------------------------------------


@dataclass(frozen=True)
class FilesystemSettings:
    config: Config
    # `[tool.spawnguard]` keys the file sets (kebab-case, as written).
    keys: frozenset[str] = frozenset()
    error: str | None = None


def load_filesystem_settings(path: Path) -> FilesystemSettings:
    """The `[tool.spawnguard]` settings that `spawnguard check` would use for `path`."""
    try:
        config = load_config(path.parent)
    except ConfigError as error:
        return FilesystemSettings(Config(root=path.parent), error=str(error))
    if config.path is None:
        return FilesystemSettings(config)
    table = read_toml(config.path).get("tool", {}).get("spawnguard", {})
    return FilesystemSettings(config, frozenset(table))


@dataclass
class FilesystemCache:
    """`load_filesystem_settings` per folder; a folder's entry is dropped when its file changes."""

    _entries: dict[Path, tuple[FilesystemSettings, float | None]] = field(default_factory=dict)

    def get(self, path: Path) -> FilesystemSettings:
        folder = path.parent
        entry = self._entries.get(folder)
        if entry is not None and _mtime(entry[0].config.path) == entry[1]:
            return entry[0]
        settings = load_filesystem_settings(path)
        self._entries[folder] = (settings, _mtime(settings.config.path))
        return settings

    def clear(self) -> None:
        self._entries.clear()


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None


# --- mixing them -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveSettings:
    enable: bool
    analysis: AnalysisSettings
    lint_on_change: bool
    interpreter: str | None
    # (globs, the folder they are relative to); a file matching any is not analysed.
    exclusions: tuple[tuple[pathspec.PathSpec, Path], ...] = ()
    # A problem with the filesystem configuration, to be shown once.
    filesystem_error: str | None = None
    # Where rule codes link to ("" = the pages shipped in the package).
    docs_url: str = DEFAULT_DOCS_URL

    def is_excluded(self, path: Path) -> bool:
        if is_third_party(path):
            return True
        for spec, root in self.exclusions:
            try:
                relative = path.resolve().relative_to(root).as_posix()
            except ValueError:
                continue
            if spec.match_file(relative):
                return True
        return False


def resolve_settings(
    editor: EditorSettings,
    path: Path | None,
    workspace_root: Path | None,
    filesystem: FilesystemCache,
) -> EffectiveSettings:
    """The settings for one document: the editor's and the nearest pyproject's, mixed."""
    preference = editor.configuration_preference
    fs = filesystem.get(path) if path is not None and preference != EDITOR_ONLY else None
    file_settings = fs.config.settings if fs is not None else AnalysisSettings()
    keys = fs.keys if fs is not None else frozenset()

    def pick(editor_value: Any, file_key: str, file_value: Any, default: Any) -> Any:
        file_set = file_key in keys
        if preference == FILESYSTEM_FIRST and file_set:
            return file_value
        if editor_value is not None:
            return editor_value
        return file_value if file_set else default

    defaults = AnalysisSettings()
    severity = dict(file_settings.severity) if "severity" in keys else {}
    if editor.severity is not None:
        if preference == FILESYSTEM_FIRST:
            severity = {**editor.severity, **severity}
        else:
            severity.update(editor.severity)
    analysis = AnalysisSettings(
        select=pick(editor.select, "select", file_settings.select, defaults.select),
        ignore=pick(editor.ignore, "ignore", file_settings.ignore, defaults.ignore),
        severity=MappingProxyType(severity),
        assume_start_method=pick(
            editor.assume_start_method,
            "assume-start-method",
            file_settings.assume_start_method,
            defaults.assume_start_method,
        ),
    )

    exclusions: list[tuple[pathspec.PathSpec, Path]] = []
    config_root = fs.config.root if fs is not None and fs.config.path is not None else None
    editor_root = workspace_root or config_root or (path.parent if path else None)
    use_file_exclude = (
        config_root is not None
        and "exclude" in keys
        and (preference == FILESYSTEM_FIRST or editor.exclude is None)
    )
    if use_file_exclude and fs is not None and config_root is not None:
        exclusions.append((_compiled(tuple(fs.config.exclude)), config_root))
    elif editor.exclude is not None and editor_root is not None:
        exclusions.append((_compiled(editor.exclude), editor_root.resolve()))
    elif (default_root := config_root or editor_root) is not None:
        exclusions.append((_compiled(DEFAULT_EXCLUDE), default_root.resolve()))
    if fs is not None and config_root is not None and fs.config.extend_exclude:
        exclusions.append((_compiled(tuple(fs.config.extend_exclude)), config_root))

    return EffectiveSettings(
        enable=editor.enable,
        analysis=analysis,
        lint_on_change=editor.lint_on_change,
        interpreter=editor.interpreter,
        exclusions=tuple(exclusions),
        filesystem_error=fs.error if fs is not None else None,
        docs_url=DEFAULT_DOCS_URL if editor.docs_url is None else editor.docs_url,
    )


@lru_cache(maxsize=64)
def _compiled(globs: tuple[str, ...]) -> pathspec.PathSpec:
    return compile_globs(globs, "exclude")


_VENV_MARKERS: dict[Path, bool] = {}


def is_third_party(path: Path) -> bool:
    """Under site-packages / dist-packages, or inside a virtualenv (a `pyvenv.cfg` above)."""
    if THIRD_PARTY_PARTS.intersection(path.parts):
        return True
    for folder in path.parents:
        known = _VENV_MARKERS.get(folder)
        if known is None:
            known = _VENV_MARKERS[folder] = os.path.isfile(folder / "pyvenv.cfg")
        if known:
            return True
    return False
