"""The extension in real VS Code (code-server + Chromium), driven by `e2e.js` through playwright.

`e2e.js` installs the built .vsix into a fresh code-server profile with `spawnguard.interpreter`
set to this test run's Python, so the language server runs from the libraries bundled in the
.vsix. It opens `workspace/train.py` and checks the squiggles, the Problems panel, the hover and
the `Wrap in if __name__ == "__main__":` quick fix; each step leaves a screenshot in
`test-output/vscode/`. Tools come from `bash scripts/setup-editor-tests.sh`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from extension.vsix import REPO, TOOLS, require_tool, require_vsix, unavailable

SCRIPT = REPO / "tests" / "editors" / "vscode" / "e2e.js"
OUTPUT = REPO / "test-output" / "vscode"
SCREENSHOTS = (
    "01-workbench",
    "02-squiggles",
    "03-problems",
    "04-hover",
    "05-quick-fix",
    "06-fixed",
    "07-rule-page",
    "08-fixed-on-save",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_diagnostics_hover_and_quick_fix_in_code_server() -> None:
    vsix = require_vsix()
    require_tool(TOOLS / "code-server" / "node_modules" / ".bin" / "code-server", "code-server")
    require_tool(TOOLS / "node24" / "node_modules" / ".bin" / "node", "Node 24")
    require_tool(TOOLS / "playwright" / "node_modules" / "playwright-core", "playwright-core")
    chromium = require_tool("/usr/bin/chromium", "chromium (apt-get install chromium)")
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH")

    command = [
        str(node), str(SCRIPT),
        "--vsix", str(vsix),
        "--python", sys.executable,
        "--tools", str(TOOLS),
        "--chromium", str(chromium),
        "--out", str(OUTPUT),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    report = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-6000:]}"
    assert result.returncode == 0, report
    assert "E2E OK" in result.stdout, report
    for name in SCREENSHOTS:
        screenshot = OUTPUT / f"{name}.png"
        assert screenshot.is_file(), f"{screenshot} missing\n{report}"
        assert screenshot.read_bytes()[:8] == PNG_SIGNATURE, screenshot
        assert screenshot.stat().st_size > 5_000, f"{screenshot} looks empty"
    assert not (OUTPUT / "failure.png").exists()
