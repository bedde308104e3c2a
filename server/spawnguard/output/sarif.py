"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Columns are 1-based code points (`columnKind: "unicodeCodePoints"`), end exclusive, exactly as
in the JSON format. Relative paths are relative to `%SRCROOT%`, the run's working directory.
In a notebook, regions are within a code cell, which SARIF has no field for: the message
starts with `cell N: ` and the property bag of the result (or related location) holds
`"cell": N`. A notebook result carries no fixes: a SARIF tool would apply their replacements
to those lines of the `.ipynb` file itself (`spawnguard check --fix` applies them to cells).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

import spawnguard
from spawnguard.analysis.findings import Finding, Range, Severity, plain_text
from spawnguard.docs import render_rule_page
from spawnguard.output.common import Report, Span, cell_field, in_cell
from spawnguard.rules import RULES_BY_CODE
from spawnguard.rules.base import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/spawnguard/"
SRCROOT = "%SRCROOT%"

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}


def render(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    rules = [RULES_BY_CODE[code] for code in sorted(RULES_BY_CODE)]
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    return {
        "version": "2.1.0",
        "$schema": SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "spawnguard",
                        "version": spawnguard.__version__,
                        "semanticVersion": spawnguard.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": directory_uri(report.base_dir)}},
                "columnKind": "unicodeCodePoints",
                "results": [
                    result_object(path, finding, rule_index) for path, finding in report.entries()
                ],
            }
        ],
    }


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    explanation = rule.explanation.strip()
    first_paragraph = " ".join(explanation.split("\n\n", 1)[0].split())
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": " ".join(rule.summary.split())},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": explanation, "markdown": render_rule_page(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.default_severity]},
    }


def result_object(path: str, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    result.update(
        {
            "level": LEVELS[finding.severity],
            "message": message_object(finding.message, finding.cell),
            "locations": [{"physicalLocation": physical_location(path, finding.range)}],
        }
    )
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": index,
                "physicalLocation": physical_location(related.path or path, related.range),
                "message": message_object(related.message, related.cell),
                **cell_properties(related.cell),
            }
            for index, related in enumerate(finding.related)
        ]
    if finding.fixes and finding.cell is None:
        result["fixes"] = [
            {
                "description": {"text": fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact_location(path),
                        "replacements": [
                            {
                                "deletedRegion": region(edit.range),
                                "insertedContent": {"text": edit.new_text},
                            }
                            for edit in fix.edits
                        ],
                    }
                ],
            }
            for fix in finding.fixes
        ]
    # SARIF has one level for information and hint; keep the finer one.
    result["properties"] = {"severity": finding.severity.label, **cell_field(finding.cell)}
    return result


def message_object(message: str, cell: int | None) -> dict[str, str]:
    # Plain text: code scanning shows `text` verbatim (backticks included).
    return {"text": in_cell(plain_text(message), cell)}


def cell_properties(cell: int | None) -> dict[str, Any]:
    """A notebook cell in a SARIF object's property bag (nothing outside notebooks)."""
    return {"properties": cell_field(cell)} if cell is not None else {}


def physical_location(path: str, range_: Range) -> dict[str, Any]:
    return {"artifactLocation": artifact_location(path), "region": region(range_)}


def region(range_: Range) -> dict[str, int]:
    span = Span.of(range_)
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def artifact_location(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(pure.as_posix()), "uriBaseId": SRCROOT}


def directory_uri(directory: Path) -> str:
    uri = directory.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"
