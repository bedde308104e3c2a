"""ruff-like text: `path:line:col: SPG101 message`, then a summary line.

An error shows no severity; any other finding names its own after the code
(`path:line:col: SPG501 [hint] message`), so a hint does not read as an error.
"""

from __future__ import annotations

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.output.common import Report, Span, one_line, plural


def render(report: Report) -> str:
    lines = []
    for path, finding in report.entries():
        span = Span.of(finding.range)
        message = one_line(finding.plain_message)
        cell = f"cell {finding.cell}:" if finding.cell is not None else ""
        lines.append(f"{path}:{cell}{span.line}:{span.column}: {finding.code} "
                     f"{severity_tag(finding)}{message}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def severity_tag(finding: Finding) -> str:
    return "" if finding.severity == Severity.ERROR else f"[{finding.severity.label}] "


def summary(report: Report) -> str:
    parts = []
    if report.fixes_applied is not None:
        parts.append(f"Applied {plural(report.fixes_applied, 'fix', 'fixes')}.")
    if report.problem_count == 0:
        parts.append("No problems found." if report.fixes_applied is None else "No problems left.")
    else:
        left = " left" if report.fixes_applied is not None else ""
        parts.append(
            f"Found {plural(report.problem_count, 'problem')}{left} "
            f"({report.fixable_count} fixable)."
        )
    return " ".join(parts)
