"""Loading `[tool.spawnguard]`: where it is found, what it means, and how it is refused."""

from __future__ import annotations

import itertools
from pathlib import Path

import pathspec
import pytest

from spawnguard.analysis.findings import Severity
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.config import (
    DEFAULT_EXCLUDE,
    KNOWN_KEYS,
    Config,
    ConfigError,
    find_config_file,
    load_config,
    parse_comma_list,
)
from spawnguard.rules import RULES_BY_CODE


def write_pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(body, encoding="utf-8")
    return path


def enabled_codes(config: Config) -> set[str]:
    return {code for code in RULES_BY_CODE if config.settings.is_enabled(code)}


# --- finding the file --------------------------------------------------------------------------


def test_no_pyproject_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.settings == AnalysisSettings()
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.extend_exclude == ()
    assert config.root == tmp_path.resolve()
    assert config.path is None


def test_nearest_pyproject_with_the_table_is_found_walking_up(tmp_path: Path) -> None:
    project = write_pyproject(tmp_path, '[tool.spawnguard]\nignore = ["SPG501"]\n')
    # A sub-project's pyproject without the table does not hide the repository's settings.
    write_pyproject(tmp_path / "sub", '[project]\nname = "sub"\n')
    nested = tmp_path / "sub" / "pkg" / "deep"
    nested.mkdir(parents=True)
    assert find_config_file(nested) == project
    config = load_config(nested)
    assert config.path == project
    assert config.root == tmp_path.resolve()
    assert "SPG501" not in enabled_codes(config)


def test_the_nearest_table_wins(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nignore = ["SPG501"]\n')
    inner = write_pyproject(tmp_path / "inner", '[tool.spawnguard]\nignore = ["SPG601"]\n')
    config = load_config(tmp_path / "inner")
    assert config.path == inner
    assert enabled_codes(config) == set(RULES_BY_CODE) - {"SPG601"}


def test_start_may_be_a_file(tmp_path: Path) -> None:
    project = write_pyproject(tmp_path, "[tool.spawnguard]\n")
    script = tmp_path / "job.py"
    script.write_text("", encoding="utf-8")
    assert find_config_file(script) == project


# --- what the keys mean ------------------------------------------------------------------------


def test_all_keys_build_the_analysis_settings(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
[tool.spawnguard]
select = ["spg1", "SPG201"]
ignore = ["SPG102"]
severity = { SPG201 = "warning", SPG501 = "Information" }
exclude = ["generated/"]
extend-exclude = ["legacy_*.py"]
assume-start-method = "fork"
""",
    )
    config = load_config(tmp_path)
    assert enabled_codes(config) == {"SPG101", "SPG103", "SPG201"}
    assert config.settings.severity_of("SPG201", Severity.ERROR) is Severity.WARNING
    assert config.settings.severity_of("SPG501", Severity.HINT) is Severity.INFORMATION
    assert config.settings.severity_of("SPG101", Severity.ERROR) is Severity.ERROR
    assert config.settings.assume_start_method == "fork"
    assert config.settings.assumes_fork
    assert config.exclude == ("generated/",)
    assert config.extend_exclude == ("legacy_*.py",)


def test_select_all_means_every_rule(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nselect = ["ALL"]\nignore = ["SPG5"]\n')
    assert enabled_codes(load_config(tmp_path)) == set(RULES_BY_CODE) - {"SPG501"}


def test_exclude_globs_are_relative_to_the_pyproject_folder(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        '[tool.spawnguard]\nextend-exclude = ["/scripts/old.py", "generated/", "*_pb2.py"]\n',
    )
    config = load_config(tmp_path / "scripts")
    assert config.root == tmp_path.resolve()
    assert config.is_excluded("scripts/old.py")
    assert not config.is_excluded("other/scripts/old.py")  # anchored to the root
    assert config.is_excluded("a/generated/x.py")
    assert config.is_excluded("generated", is_dir=True)
    assert config.is_excluded("pkg/msg_pb2.py")
    # The defaults still apply with extend-exclude.
    assert config.is_excluded(".venv", is_dir=True)
    assert config.is_excluded("site-packages", is_dir=True)
    assert not config.is_excluded("pkg/job.py")


def test_excludes_path_takes_real_paths(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nextend-exclude = ["/gen/"]\n')
    (tmp_path / "gen").mkdir()
    config = load_config(tmp_path)
    assert config.excludes_path(tmp_path / "gen" / "a.py")
    assert config.excludes_path(tmp_path / "gen")
    assert config.excludes_path(tmp_path / "pkg" / ".venv" / "lib.py")
    assert not config.excludes_path(tmp_path / "pkg" / "gen" / "a.py")
    assert not config.excludes_path(tmp_path.parent / "gen" / "a.py")  # outside the root


def test_exclude_replaces_the_default_list(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nexclude = ["only/"]\n')
    config = load_config(tmp_path)
    assert config.is_excluded("only", is_dir=True)
    assert not config.is_excluded("build", is_dir=True)


def test_default_excludes_cover_the_usual_folders() -> None:
    config = Config()
    for folder in ("site-packages", ".venv", "venv", "node_modules", "build", ".git",
                   "__pycache__", ".tox", ".hidden"):
        assert config.is_excluded(f"pkg/{folder}", is_dir=True), folder
    assert not config.is_excluded("pkg/src", is_dir=True)
    assert not config.is_excluded("builder", is_dir=True)


# --- --config and the command line's overrides ------------------------------------------------


def test_config_file_with_top_level_keys(tmp_path: Path) -> None:
    settings_file = tmp_path / "conf" / "spawnguard.toml"
    settings_file.parent.mkdir()
    settings_file.write_text('ignore = ["SPG2"]\nassume-start-method = "forkserver"\n')
    config = load_config(tmp_path, config_file=settings_file)
    assert enabled_codes(config) == set(RULES_BY_CODE) - {"SPG201", "SPG202", "SPG203"}
    assert config.settings.assume_start_method == "forkserver"
    assert config.root == settings_file.parent.resolve()


def test_config_file_that_is_a_pyproject(tmp_path: Path) -> None:
    elsewhere = write_pyproject(tmp_path / "elsewhere", '[tool.spawnguard]\nselect = ["SPG3"]\n')
    write_pyproject(tmp_path, '[tool.spawnguard]\nselect = ["SPG1"]\n')
    config = load_config(tmp_path, config_file=elsewhere)
    assert enabled_codes(config) == {"SPG301"}


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path, config_file=tmp_path / "nope.toml")


def test_command_line_select_replaces_the_selection(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nignore = ["SPG1"]\n')
    config = load_config(tmp_path).with_overrides(select=["SPG101", "SPG2"], ignore=["SPG203"])
    assert enabled_codes(config) == {"SPG101", "SPG201", "SPG202"}


def test_command_line_ignore_alone_removes_from_the_configured_selection(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.spawnguard]\nselect = ["SPG101", "SPG201", "SPG202"]\n')
    config = load_config(tmp_path).with_overrides(ignore=["SPG20"])
    assert enabled_codes(config) == {"SPG101"}
    # Severity overrides and the start method survive the override.
    write_pyproject(tmp_path, '[tool.spawnguard]\nseverity = { SPG101 = "hint" }\n')
    overridden = load_config(tmp_path).with_overrides(select=["SPG101"])
    assert overridden.settings.severity_of("SPG101", Severity.ERROR) is Severity.HINT


def test_parse_comma_list() -> None:
    assert parse_comma_list("SPG101, SPG2,,") == ["SPG101", "SPG2"]
    assert parse_comma_list("") == []


# --- refusing bad configuration ----------------------------------------------------------------

BAD_CONFIGS = [
    # (table body, words the message must contain)
    ("unknown = 1", ["tool.spawnguard.unknown", "unknown key", *KNOWN_KEYS]),
    ("extend_exclude = []", ["extend_exclude", "did you mean `extend-exclude`"]),
    ('select = ["SPG999"]', ["tool.spawnguard.select", "'SPG999'", "SPG101", "SPG601"]),
    ('ignore = ["F401"]', ["tool.spawnguard.ignore", "'F401'", "SPG000"]),
    ('select = "SPG101"', ["tool.spawnguard.select", "list of strings", "a string"]),
    ("ignore = [1]", ["tool.spawnguard.ignore", "list of strings"]),
    ('severity = { SPG201 = "fatal" }', [
        "tool.spawnguard.severity.SPG201", "'fatal'", "error, warning, information, hint"
    ]),
    ('severity = { SPG999 = "error" }', ["tool.spawnguard.severity.SPG999", "unknown rule code"]),
    ("severity = { SPG201 = 3 }", ["tool.spawnguard.severity.SPG201", "error", "hint"]),
    ('severity = "error"', ["tool.spawnguard.severity", "SPG201 = \"warning\""]),
    ('assume-start-method = "threads"', [
        "tool.spawnguard.assume-start-method", "'threads'", "spawn, forkserver, fork"
    ]),
    ('exclude = ["!"]', ["tool.spawnguard.exclude", "invalid glob", "'!'"]),
    ('extend-exclude = "build"', ["tool.spawnguard.extend-exclude", "list of strings"]),
]


@pytest.mark.parametrize(("body", "expected"), BAD_CONFIGS)
def test_bad_values_name_the_key_and_the_accepted_values(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    path = write_pyproject(tmp_path, f"[tool.spawnguard]\n{body}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    message = str(raised.value)
    assert str(path) in message
    for words in expected:
        assert words in message


def test_pyproject_that_is_not_toml(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, "[tool.spawnguard\nselect = [\n")
    with pytest.raises(ConfigError, match="not valid TOML") as raised:
        load_config(tmp_path)
    assert str(path) in str(raised.value)


def test_table_that_is_not_a_table(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool]\nspawnguard = "on"\n')
    with pytest.raises(ConfigError, match=r"`tool\.spawnguard` must be a table"):
        load_config(tmp_path)


def test_bad_key_in_a_top_level_config_file_has_no_table_prefix(tmp_path: Path) -> None:
    settings_file = tmp_path / "spawnguard.toml"
    settings_file.write_text('assume-start-method = "posix"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, config_file=settings_file)
    assert "`assume-start-method`: 'posix' is not a start method" in str(raised.value)


def test_default_excludes_match_as_pathspec_would() -> None:
    """The default list is matched by name without pathspec; every combination of usual and
    tricky path components must get pathspec's own verdict."""
    spec = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDE)
    config = Config()
    components = ["pkg", ".venv", ".x", "venv", "venvs", "build", "builder", "rebuild",
                  "__pycache__", "site-packages", "node_modules", "a.b", "build.py", ".py",
                  "x.py", "src"]
    for depth in (1, 2, 3):
        for parts in itertools.product(components, repeat=depth):
            path = "/".join(parts)
            for is_dir in (False, True):
                candidate = path + ("/" if is_dir else "")
                assert config.is_excluded(path, is_dir=is_dir) == spec.match_file(candidate), (
                    candidate)
