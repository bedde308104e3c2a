"""engine.finalize: what it changes in a finding (severity, fixes) and what it keeps."""

from __future__ import annotations

import dataclasses

from spawnguard.analysis.findings import Finding, Fix, Range, Related, Severity, TextEdit
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.suppression import Suppressions
from spawnguard.engine import finalize


def test_finalize_keeps_every_field_but_severity_and_fixes() -> None:
    source = SourceText("import multiprocessing\nmultiprocessing.Pool()\n")
    fix = Fix("Do it", (TextEdit(Range.of(2, 0, 2, 0), "x"),), preferred=True)
    # Every field set to something other than its default, so that a field finalize drops
    # (one added to Finding later, say) shows up here.
    finding = Finding(code="SPG101", severity=Severity.ERROR, message="m",
                      range=Range.of(2, 0, 2, 5),
                      related=(Related(Range.of(1, 0, 1, 6), "r"),), fixes=(fix,),
                      tags=("unnecessary",), cell=3)
    defaults = {f.name: f.default for f in dataclasses.fields(Finding)}
    changed = [name for name, default in defaults.items()
               if default is not dataclasses.MISSING and getattr(finding, name) == default]
    assert not changed, f"set these fields in the test: {changed}"

    settings = AnalysisSettings(severity={"SPG101": Severity.WARNING})
    [final] = finalize([finding], source, Suppressions.scan(source), settings)

    assert final.severity is Severity.WARNING
    assert final.fixes[0] == fix and any(f.is_suppression for f in final.fixes)
    for name in defaults:
        if name not in ("severity", "fixes"):
            assert getattr(final, name) == getattr(finding, name), name
