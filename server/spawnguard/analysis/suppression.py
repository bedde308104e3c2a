"""`# spawnguard: ignore[...]` comments.

- `# spawnguard: ignore[SPG101, SPG201]` on the reported line silences those codes there;
- `# spawnguard: ignore` on the reported line silences every code there;
- `# spawnguard: ignore-file` anywhere silences the whole file.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from spawnguard.analysis.source import SourceText

SUPPRESSION_COMMENT = re.compile(
    r"#\s*spawnguard:\s*(?P<kind>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE
)
ALL_CODES = "*"


@dataclass(frozen=True)
class Suppressions:
    whole_file: bool = False
    # line → codes ("*" for all)
    by_line: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def scan(cls, source: SourceText) -> Suppressions:
        if "spawnguard" not in source.text:
            return cls()
        whole_file = False
        by_line: dict[int, frozenset[str]] = {}
        for line, comment in _comments(source):
            for match in SUPPRESSION_COMMENT.finditer(comment):
                if match.group("kind").lower() == "ignore-file":
                    whole_file = True
                    continue
                codes_text = match.group("codes")
                codes = (
                    frozenset(c.strip().upper() for c in codes_text.split(",") if c.strip())
                    if codes_text is not None
                    else frozenset({ALL_CODES})
                )
                by_line[line] = by_line.get(line, frozenset()) | codes
        return cls(whole_file, by_line)

    def suppresses(self, code: str, line: int) -> bool:
        codes = self.by_line.get(line)
        return bool(codes) and (ALL_CODES in codes or code in codes)


def _comments(source: SourceText) -> list[tuple[int, str]]:
    """(line, text) of every comment; falls back to a line scan when tokenizing fails."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source.text).readline)
        return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, ValueError):
        found = []
        for index, text in enumerate(source.lines, start=1):
            position = text.find("#")
            if position >= 0:
                found.append((index, text[position:]))
        return found
