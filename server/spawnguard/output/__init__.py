"""Report formats of `spawnguard check`: one module each, all rendering a `Report` to text."""

from __future__ import annotations

from collections.abc import Callable

from spawnguard.output import github, json, sarif, text
from spawnguard.output.common import FileReport, Report

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
}

__all__ = ["FORMATS", "FileReport", "Report", "render"]


def render(report: Report, format_name: str) -> str:
    return FORMATS[format_name](report)
