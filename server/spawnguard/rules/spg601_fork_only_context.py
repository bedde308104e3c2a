"""SPG601 fork-only-context (placeholder: being written)."""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule


def check(model: ModuleModel) -> Iterator[Finding]:
    return iter(())


RULE = Rule(
    code="SPG601",
    name="fork-only-context",
    default_severity=Severity.INFORMATION,
    summary="(being written)",
    check=check,
)
