"""GitHub Actions workflow commands: one `::error …::message` annotation per finding.

A notebook finding's line is within its cell, and its message starts with `cell N: `.
"""

from __future__ import annotations

from spawnguard.analysis.findings import Severity
from spawnguard.output.common import Report, Span, in_cell

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "notice",
    Severity.HINT: "notice",
}


def render(report: Report) -> str:
    lines = []
    for path, finding in report.entries():
        span = Span.of(finding.range)
        single_line = span.line == span.end_line
        # GitHub accepts columns only for annotations on a single line.
        properties = [
            ("file", path),
            ("line", str(span.line)),
            *([("col", str(span.column))] if single_line else []),
            ("endLine", str(span.end_line)),
            *([("endColumn", str(span.end_column))] if single_line else []),
        ]
        properties.append(("title", finding.code))
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
        message = escape_data(in_cell(finding.plain_message, finding.cell))
        lines.append(f"::{COMMANDS[finding.severity]} {rendered}::{message}")
    return "".join(line + "\n" for line in lines)


def escape_data(value: str) -> str:
    # The escaping of @actions/core's `issueCommand`.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
