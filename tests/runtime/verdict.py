"""What the analyser says about a runtime script, in the terms its header uses."""

from __future__ import annotations

from collections.abc import Iterable

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.engine import analyze

from .scripts import ScriptSpec


def verdict_codes(findings: Iterable[Finding], declared: frozenset[str]) -> frozenset[str]:
    """Every code at warning or above, plus the hint/information codes the header declares.

    Hints and information (SPG501, SPG601) are only compared where a script is about them.
    """
    return frozenset(
        f.code for f in findings if f.severity >= Severity.WARNING or f.code in declared
    )


def analyse_script(spec: ScriptSpec) -> list[Finding]:
    return analyze(spec.text, path=str(spec.path))


def describe_findings(findings: Iterable[Finding]) -> str:
    lines = [
        f"  {f.range.start.line}:{f.range.start.character} {f.code} {f.severity.label}: {f.message}"
        for f in findings
    ]
    return "\n".join(lines) or "  (no findings)"
