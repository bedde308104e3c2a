"""Runtime proof of the fixes: for every runtime script with a preferred fix, the fixed text
parses, no longer has the fixed codes, is stable under a second fix, and runs under spawn,
printing what the original prints under fork (or what its header declares where the original
fails under fork too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from runtime.harness import Outcome
from runtime.scripts import (
    ScriptSpec,
    all_specs,
    measure,
    measure_all,
    measured_up_front,
    missing_reason,
    runnable,
    timeout_mark,
)
from runtime.verdict import analyse_script, describe_findings

from spawnguard.engine import FixResult, fix_text

SPECS = all_specs()


def codes_with_preferred_fix(spec: ScriptSpec) -> frozenset[str]:
    return frozenset(f.code for f in analyse_script(spec) if f.preferred_fix is not None)


def fix_script(spec: ScriptSpec) -> FixResult:
    return fix_text(spec.text, path=str(spec.path))


def write_fixed(spec: ScriptSpec, fixed: FixResult, directory: Path) -> Path:
    # Same file name: the scripts print nothing that depends on it, but tracebacks read better.
    path = directory / spec.path.name
    path.write_text(fixed.text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fixed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fixed_runtime_scripts")


@pytest.fixture(scope="module")
def measured_in_parallel(request: pytest.FixtureRequest, fixed_dir: Path) -> None:
    """Run the selected fixed scripts (spawn) and their originals (fork) up front, two at a time.

    Best effort: a fix that cannot be computed here fails in its own test instead.
    """
    runs = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        spec = callspec.params.get("fixable") if callspec else None
        if not isinstance(spec, ScriptSpec) or not runnable(spec) \
                or not measured_up_front(spec):
            continue
        try:
            if not codes_with_preferred_fix(spec):
                continue
            fixed = fix_script(spec)
            ast.parse(fixed.text)
        except Exception:
            continue
        runs.append((write_fixed(spec, fixed, fixed_dir), "spawn"))
        if spec.fixed_stdout is None:
            runs.append((spec.path, "fork"))
    measure_all(runs)


# Scripts with a preferred fix declared in their header or offered by the analyser (the
# others, correct code among them, have nothing to fix).
FIXABLE = [spec for spec in SPECS if spec.fix_codes or codes_with_preferred_fix(spec)]


@pytest.mark.runtime
@pytest.mark.parametrize(
    "fixable",
    [spec if measured_up_front(spec) else pytest.param(spec, marks=timeout_mark(spec, 2))
     for spec in FIXABLE],
    ids=lambda spec: spec.name)
def test_preferred_fix_repairs_script(
    fixable: ScriptSpec, fixed_dir: Path, measured_in_parallel: None
) -> None:
    spec = fixable
    offered = codes_with_preferred_fix(spec)
    assert spec.fix_codes <= offered, (
        f"expected a preferred fix for {sorted(spec.fix_codes)}\n"
        f"{describe_findings(analyse_script(spec))}"
    )

    fixed = fix_script(spec)
    assert fixed.applied > 0
    ast.parse(fixed.text, filename=f"fixed {spec.path.name}")
    left = {f.code for f in fixed.remaining} & offered
    assert not left, (
        f"still reported after the fix:\n{fixed.text}\n{describe_findings(fixed.remaining)}"
    )
    again = fix_text(fixed.text, path=str(spec.path))
    assert (again.text, again.applied) == (fixed.text, 0), "fixing twice changed the text"

    if not runnable(spec):
        pytest.skip(missing_reason(spec))
    if spec.fixed_stdout is not None:
        expected = spec.fixed_stdout
    else:
        original = measure(spec.path, "fork")
        assert original.outcome == Outcome.OK, (
            "the original fails under fork: declare `# fixed-stdout:`\n" + original.describe()
        )
        expected = tuple(original.stdout_lines)
    result = measure(write_fixed(spec, fixed, fixed_dir), "spawn")
    assert result.outcome == Outcome.OK, f"{fixed.text}\n{result.describe()}"
    assert tuple(result.stdout_lines) == expected, f"{fixed.text}\n{result.describe()}"
