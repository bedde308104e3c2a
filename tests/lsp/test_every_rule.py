"""Every rule reaches the editor exactly as the core (and so the CLI) reports it: the runtime
scripts and broken examples, opened in the real server, give the same codes, messages,
severities and ranges (in the position encoding each client negotiated)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from spawnguard import engine
from spawnguard.analysis.findings import Severity
from spawnguard.rules import ALL_RULES

from .helpers import ENCODING_OF_CLIENT, lsp_range, open_and_wait

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "tests" / "runtime_scripts").glob("*.py")) + sorted(
    (ROOT / "examples" / "broken").glob("*.py"))
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
# Proven over LSP elsewhere: SPG000 (test_diagnostics), SPG103 (a second file, also there),
# SPG401 (notebook cells, test_notebooks).
ELSEWHERE = {"SPG000", "SPG103", "SPG401"}


def test_the_scripts_cover_every_rule() -> None:
    found = {f.code for path in SCRIPTS for f in engine.analyze(path.read_text(), path=str(path))}
    assert {rule.code for rule in ALL_RULES} - ELSEWHERE <= found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
async def test_rule_diagnostics_equal_the_core(client, tmp_path, script: Path):
    text = script.read_text(encoding="utf-8")
    encoding = ENCODING_OF_CLIENT[client.client_name]
    path = tmp_path / script.name
    published = await open_and_wait(client, path, text)
    def key(code: str, message: str, severity: int, where: types.Range) -> tuple:
        return (code, message, int(severity), where.start.line, where.start.character,
                where.end.line, where.end.character)

    expected = sorted(
        key(f.code, f.plain_message, SEVERITIES[f.severity],
            lsp_range(text, f.range.start.line, f.range.start.character, f.range.end.line,
                      f.range.end.character, encoding))
        for f in engine.analyze(text, path=str(path))
    )
    got = sorted(key(str(d.code), d.message, d.severity or 0, d.range)
                 for d in published.diagnostics)
    assert got == expected
