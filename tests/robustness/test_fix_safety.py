"""Fix safety, property-based: over generated scripts and over the real fixtures, every
offered fix parses, silences its rule there, changes nothing outside its edits, and `fix_text`
is idempotent; and a fixed script run under spawn prints what the original prints under fork
(the guard fix never moves a definition that worker code needs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings

from robustness.corpus import seed_paths
from robustness.fix_safety import check_fix_safety, check_runtime
from robustness.programs import Script, scripts

GENERATED_SETTINGS = settings(max_examples=120, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
RUNTIME_SCRIPTS = 6


@GENERATED_SETTINGS
@given(scripts())
def test_fixes_of_generated_scripts_are_safe(script: Script) -> None:
    note(script.describe())
    note(script.text)
    check_fix_safety(script.text)


def test_generated_scripts_exercise_every_fix() -> None:
    """The generator is worth its name only if its scripts get the fixes offered."""
    titles: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scripts())
    def collect(script: Script) -> None:
        from spawnguard.engine import analyze

        for finding in analyze(script.text):
            titles.update(f"{finding.code} {fix.title.split(' ')[0]}"
                          for fix in finding.fixes if not fix.is_suppression)

    collect()
    expected = {"SPG101 Wrap", "SPG101 Extract", "SPG102 Move", "SPG201 Replace",
                "SPG201 Move", "SPG202 Move", "SPG301 Rewrite", "SPG501 Move"}
    assert expected <= titles, sorted(titles)


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name)
def test_fixes_of_real_files_are_safe(path: Path) -> None:
    check_fix_safety(path.read_text(encoding="utf-8"), path=str(path))


@pytest.mark.runtime
@settings(max_examples=RUNTIME_SCRIPTS, deadline=None, phases=[Phase.generate],
          database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts(runnable=True))
def test_fixed_script_under_spawn_prints_what_the_original_prints_under_fork(
        script: Script) -> None:
    note(script.describe())
    note(script.text)
    check_runtime(script.text)
