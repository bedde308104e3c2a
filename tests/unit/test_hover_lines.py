"""The hover's two lines per rule, and how jedi's docstrings are shortened."""

from __future__ import annotations

import pytest

from spawnguard.rules import RULES_BY_CODE
from spawnguard.server.hover import first_sentence


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_every_rule_has_a_short_worker_line_and_fix_line(code: str) -> None:
    rule = RULES_BY_CODE[code]
    for line in (rule.worker_effect, rule.fix_summary):
        assert line.strip() == line and line.endswith("."), (code, line)
        assert "\n" not in line and len(line) <= 160, (code, line)
    # Not the summary again: the hover says what the summary does not.
    assert rule.worker_effect != rule.summary


def test_first_sentence_stops_at_the_first_full_stop_and_the_limit() -> None:
    assert first_sentence("Start a process. Then join it.") == "Start a process."
    assert first_sentence("version 1.2 is out") == "version 1.2 is out"
    long = "word " * 60
    cut = first_sentence(long, limit=40)
    assert cut.endswith("…") and len(cut) <= 40 and not cut[:-1].endswith(" ")
