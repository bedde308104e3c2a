"""SPG501 import-time-work (placeholder: being written)."""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule


def check(model: ModuleModel) -> Iterator[Finding]:
    return iter(())


RULE = Rule(
    code="SPG501",
    name="import-time-work",
    default_severity=Severity.HINT,
    summary="(being written)",
    check=check,
)
