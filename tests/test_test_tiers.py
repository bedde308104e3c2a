"""`bash scripts/test.sh --quick` selects tests by marker: it leaves out the editor,
robustness and runtime tests (marked by folder in tests/conftest.py, or on the test) and still
runs the others."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The marker expression the quick tier passes to pytest, read from the script itself.
[QUICK_MARKERS] = re.findall(r'-m "([^"]+)"', (REPO / "scripts" / "test.sh").read_text())


def collected(*args: str) -> list[str]:
    """The test ids `pytest --collect-only` selects (none is not an error here)."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         *args], cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode in (0, 5), completed.stdout[-3000:] + completed.stderr[-3000:]
    return [line for line in completed.stdout.splitlines() if "::" in line]


def test_quick_tier_leaves_out_the_editor_and_robustness_folders() -> None:
    folders = ("tests/editors", "tests/extension", "tests/robustness")
    everything = collected(*folders)
    assert {test_id.split("/")[1] for test_id in everything} == {
        "editors", "extension", "robustness"}
    assert collected("-m", QUICK_MARKERS, *folders) == []


def test_quick_tier_leaves_out_runtime_tests_and_keeps_the_rest() -> None:
    runtime = collected("-m", "runtime", "tests/test_cli.py")
    quick = collected("-m", QUICK_MARKERS, "tests/test_cli.py")
    assert runtime and quick
    assert sorted(runtime + quick) == sorted(collected("tests/test_cli.py"))
