"""A JSON list of findings, one object each, in the documented shape."""

from __future__ import annotations

import json
from typing import Any

from spawnguard.analysis.findings import Finding, Range
from spawnguard.output.common import Report, Span, cell_field


def render(report: Report) -> str:
    items = [finding_object(path, finding) for path, finding in report.entries()]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def finding_object(path: str, finding: Finding) -> dict[str, Any]:
    return {
        "path": path,
        "code": finding.code,
        "severity": finding.severity.label,
        "message": finding.plain_message,
        **cell_field(finding.cell),
        **span_fields(finding.range),
        "related": [
            {"path": related.path or path, **cell_field(related.cell),
             **span_fields(related.range), "message": related.plain_message}
            for related in finding.related
        ],
        "fixes": [
            {
                "title": fix.title,
                "preferred": fix.preferred and not fix.is_suppression,
                "edits": [
                    {**cell_field(edit.cell), **span_fields(edit.range),
                     "new_text": edit.new_text}
                    for edit in fix.edits
                ],
                **({"new_files": [{"name": f.name, "text": f.text} for f in fix.new_files]}
                   if fix.new_files else {}),
            }
            for fix in finding.fixes
        ],
    }


def span_fields(range_: Range) -> dict[str, int]:
    span = Span.of(range_)
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
