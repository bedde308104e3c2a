"""The runtime scripts and the verdicts their headers declare.

Each script in `tests/runtime_scripts/` opens with comment lines. Lines of the form
`# key: value` are its machine-readable expectations; the other comment lines say what it
demonstrates. Keys:

- `expect:` analyser codes (space-separated) or `none`: every code at warning or above, plus
  the hint/information codes listed here.
- `spawn:` / `fork:` (required), `forkserver:` (optional): the measured outcome
  (`ok`, `bootstrap`, `pickling`, `context-already-set`, `timeout`, `other`).
- `stdout:` (repeatable, in order) what a successful run prints; none means it prints nothing.
  `stdout-spawn:` / `stdout-forkserver:` override it for that method; `stdout-from-3.13:`
  replaces it on that Python version and later (for interpreter-dependent behaviour).
- `fix:` codes whose preferred fix the analyser is expected to offer, or `none` (default).
- `fixed-stdout:` (repeatable) what the fixed script prints under spawn, for scripts whose
  original does not show it under fork.
- `requires:` the packages a script needs beyond the stdlib, space-separated: `torch`,
  `lightning`, `datasets`, `transformers`, `accelerate`. A script whose package is not
  importable is skipped, with the reason.
- `timeout:` seconds a run may take (default 60): framework scripts whose every worker
  imports Lightning or transformers need more on a loaded machine.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from .harness import START_METHODS, Outcome, RunOutcome, run_script

SCRIPTS_DIR = Path(__file__).resolve().parent.parent / "runtime_scripts"
# Tests run two scripts at a time: the machine has two cores and torch workers are heavy.
PARALLEL_RUNS = 2
TIMEOUT = 60.0

_HEADER_LINE = re.compile(r"#\s*(?P<key>[a-z][a-z0-9.-]*):(?:\s(?P<value>.*))?$")
_SINGLE_KEYS = {"expect", "fix", "requires", "timeout", *START_METHODS}
# What `requires:` accepts, with how CI installs it (scripts/test.sh).
KNOWN_REQUIREMENTS = {
    "torch": "torch==2.13.0 CPU",
    "lightning": "lightning==2.6.6",
    "datasets": "datasets==5.2.0",
    "transformers": "transformers==5.25.0",
    "accelerate": "accelerate==1.16.0",
}
_REPEATED_KEYS = {"stdout", "fixed-stdout", *(f"stdout-{m}" for m in START_METHODS)}
_CODE = re.compile(r"SPG\d{3}")
_SINCE_VERSION_KEY = re.compile(r"stdout-from-(?P<major>\d+)\.(?P<minor>\d+)")


class HeaderError(ValueError):
    pass


@dataclass(frozen=True)
class ScriptSpec:
    path: Path
    description: str
    expected_codes: frozenset[str]
    outcomes: dict[str, Outcome]
    stdout: dict[str, tuple[str, ...]]
    fix_codes: frozenset[str]
    fixed_stdout: tuple[str, ...] | None
    requires: frozenset[str]
    timeout: float = 60.0

    @property
    def requires_torch(self) -> bool:
        return "torch" in self.requires

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def expected_stdout(self, start_method: str) -> tuple[str, ...]:
        return self.stdout[start_method]


def parse_header(path: Path) -> ScriptSpec:
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    description: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        key = match["key"] if match else None
        if match and key in _SINGLE_KEYS:
            if key in single:
                raise HeaderError(f"{path.name}: `{key}:` given twice")
            single[key] = (match["value"] or "").strip()
        elif match and (key in _REPEATED_KEYS or _SINCE_VERSION_KEY.fullmatch(key or "")):
            repeated.setdefault(key, []).append((match["value"] or "").rstrip())
        elif match:
            raise HeaderError(f"{path.name}: unknown header key `{key}:`")
        else:
            description.append(line.lstrip("#").strip())
    for required in ("expect", "spawn", "fork"):
        if required not in single:
            raise HeaderError(f"{path.name}: header lacks `# {required}: …`")
    outcomes = {m: _outcome(path, single[m]) for m in START_METHODS if m in single}
    plain_stdout = tuple(repeated.get("stdout", ()))
    for key, lines in repeated.items():
        since = _SINCE_VERSION_KEY.fullmatch(key)
        if since and sys.version_info >= (int(since["major"]), int(since["minor"])):
            plain_stdout = tuple(lines)
    stdout = {m: tuple(repeated.get(f"stdout-{m}", plain_stdout)) for m in START_METHODS}
    fixed = repeated.get("fixed-stdout")
    return ScriptSpec(
        path=path,
        description=" ".join(d for d in description if d),
        expected_codes=_codes(path, single["expect"]),
        outcomes=outcomes,
        stdout=stdout,
        fix_codes=_codes(path, single.get("fix", "none")),
        fixed_stdout=tuple(fixed) if fixed is not None else None,
        requires=_requirements(path, single.get("requires", "")),
        timeout=_timeout(path, single.get("timeout")),
    )


def _requirements(path: Path, value: str) -> frozenset[str]:
    names = frozenset(value.split())
    unknown = sorted(names - set(KNOWN_REQUIREMENTS))
    if unknown:
        raise HeaderError(f"{path.name}: unknown `requires:` {unknown} "
                          f"(accepted: {', '.join(KNOWN_REQUIREMENTS)})")
    return names


def _timeout(path: Path, value: str | None) -> float:
    if value is None:
        return TIMEOUT
    try:
        return float(value)
    except ValueError:
        raise HeaderError(f"{path.name}: `timeout:` is not a number of seconds") from None


def _outcome(path: Path, value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        accepted = ", ".join(o.value for o in Outcome)
        raise HeaderError(
            f"{path.name}: unknown outcome {value!r} (accepted: {accepted})"
        ) from None


def _codes(path: Path, value: str) -> frozenset[str]:
    if value == "none":
        return frozenset()
    codes = value.split()
    bad = [c for c in codes if not _CODE.fullmatch(c)]
    if bad:
        raise HeaderError(f"{path.name}: not rule codes: {bad}")
    return frozenset(codes)


@cache
def all_specs() -> tuple[ScriptSpec, ...]:
    return tuple(parse_header(p) for p in sorted(SCRIPTS_DIR.glob("*.py")))


@cache
def available(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def torch_available() -> bool:
    return available("torch")


TORCH_MISSING_REASON = "torch is not installed (the CI installs torch==2.13.0 CPU)"


def missing_reason(spec: ScriptSpec) -> str:
    """Why a script cannot run here (which of its packages is not importable)."""
    missing = sorted(p for p in spec.requires if not available(p))
    return "; ".join(f"{p} is not installed (the CI installs {KNOWN_REQUIREMENTS[p]})"
                     for p in missing)


# Measurements are shared by both runtime test files: the fix tests compare against the
# original script's output under fork.
_measured: dict[tuple[Path, str], RunOutcome] = {}
_measured_lock = threading.Lock()
_path_locks: dict[tuple[Path, str], threading.Lock] = {}


def measure(path: Path, start_method: str) -> RunOutcome:
    """Run a script once per start method per test session; later calls reuse the result."""
    key = (path.resolve(), start_method)
    with _measured_lock:
        lock = _path_locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _measured:
            _measured[key] = run_script(path, start_method, timeout=_declared_timeout(path))
        return _measured[key]


def measure_all(runs: Iterable[tuple[Path, str]]) -> None:
    """Run many scripts, `PARALLEL_RUNS` at a time, filling the shared cache."""
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        for _ in pool.map(lambda run: measure(*run), list(runs)):
            pass


def _declared_timeout(path: Path) -> float:
    """The `timeout:` of a script's header (a fixed copy keeps the header), else 60 s."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if match and match["key"] == "timeout":
            return _timeout(path, (match["value"] or "").strip())
    return TIMEOUT


def measured_up_front(spec: ScriptSpec) -> bool:
    """Whether the test session measures the script in its batch before the tests run. The
    slow framework scripts (those with a `timeout:`) are measured in their own tests instead,
    each under a pytest timeout fitted to it (`timeout_mark`): one batch holding them would
    outlast the timeout of the test that waits for it."""
    return spec.timeout <= TIMEOUT


def timeout_mark(spec: ScriptSpec, runs: int) -> pytest.MarkDecorator:
    """A pytest timeout for a test that runs the script `runs` times."""
    return pytest.mark.timeout(runs * spec.timeout + 60)


def runnable(spec: ScriptSpec) -> bool:
    return all(available(p) for p in spec.requires)
