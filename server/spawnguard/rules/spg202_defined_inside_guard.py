"""SPG202 defined-inside-guard (placeholder: being written)."""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule


def check(model: ModuleModel) -> Iterator[Finding]:
    return iter(())


RULE = Rule(
    code="SPG202",
    name="defined-inside-guard",
    default_severity=Severity.ERROR,
    summary="(being written)",
    check=check,
)
