"""The client's node unit tests (`npm test`: settings, interpreter discovery, manifest, launch).

They run under node's own test runner; this wrapper makes them part of the pytest suite.
"""

from __future__ import annotations

import shutil
import subprocess

from extension.vsix import REPO, unavailable


def test_client_unit_tests_pass() -> None:
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not on PATH")
    if not (REPO / "node_modules" / ".bin" / "esbuild").exists():
        unavailable("the extension's npm dependencies are not installed (npm ci)")
    result = subprocess.run(
        [str(npm), "test", "--silent"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    report = f"{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, report
    assert "# fail 0" in result.stdout, report
    passed = [line for line in result.stdout.splitlines() if line.startswith("# pass ")]
    assert passed and int(passed[-1].split()[-1]) >= 20, report
