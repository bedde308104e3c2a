"""Reading source files byte-exactly, for the CLI and its worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spawnguard.analysis.findings import Finding, Position, Range, Severity
from spawnguard.analysis.settings import AnalysisSettings

UTF8_BOM = b"\xef\xbb\xbf"
SYNTAX_ERROR_CODE = "SPG000"


@dataclass(frozen=True)
class SourceFile:
    text: str
    # Written back as it was read: a UTF-8 byte-order mark is kept, line endings are never
    # translated (the text keeps its own \r\n / \r / \n).
    has_bom: bool = False

    def encode(self, text: str) -> bytes:
        return (UTF8_BOM if self.has_bom else b"") + text.encode("utf-8")


class UnreadableSource(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode_source(data: bytes) -> SourceFile:
    has_bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if has_bom else data
    try:
        return SourceFile(body.decode("utf-8"), has_bom)
    except UnicodeDecodeError as error:
        bad_line = body[: error.start].count(b"\n") + 1
        raise UnreadableSource(
            f"cannot read: not UTF-8 (byte 0x{body[error.start]:02x} on line {bad_line})",
            bad_line,
        ) from None


def read_file(path: str | Path) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            return decode_source(handle.read())
    except OSError as error:
        raise UnreadableSource(f"cannot read: {error.strerror or error}") from None


def problem_finding(message: str, settings: AnalysisSettings, line: int = 1) -> list[Finding]:
    """An SPG000 finding for a file that cannot be read or written (unless SPG000 is off)."""
    if not settings.is_enabled(SYNTAX_ERROR_CODE):
        return []
    severity = settings.severity_of(SYNTAX_ERROR_CODE, Severity.ERROR)
    start = Position(line, 0)
    return [Finding(SYNTAX_ERROR_CODE, severity, message, Range(start, start))]
