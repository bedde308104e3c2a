"""Where the built extension and the editor-test tools are, for the extension's tests.

`bash scripts/setup-editor-tests.sh` builds `dist/spawnguard-<version>.vsix` and installs the
tools under `$SPAWNGUARD_TOOLS_DIR` (default `~/.cache/spawnguard/tools`, outside the
source tree). Without them the tests skip, unless `SPAWNGUARD_REQUIRE_EDITOR_TESTS=1`
(set by `scripts/test.sh` after running the setup), where a missing piece means the setup is
broken and the tests fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(
    os.environ.get("SPAWNGUARD_TOOLS_DIR")
    or Path.home() / ".cache" / "spawnguard" / "tools"
)
SETUP_HINT = "run `bash scripts/setup-editor-tests.sh` first"


def manifest() -> dict:
    return json.loads((REPO / "package.json").read_text(encoding="utf-8"))


def vsix_path() -> Path:
    return REPO / "dist" / f"spawnguard-{manifest()['version']}.vsix"


def unavailable(reason: str) -> None:
    """Skip, or fail where the setup script was run and should have provided everything."""
    if os.environ.get("SPAWNGUARD_REQUIRE_EDITOR_TESTS") == "1":
        pytest.fail(f"{reason}, although scripts/setup-editor-tests.sh ran")
    pytest.skip(f"{reason}: {SETUP_HINT}")


def require_vsix() -> Path:
    path = vsix_path()
    if not path.is_file():
        unavailable(f"{path.relative_to(REPO)} is not built")
    return path


def require_tool(path: Path | str, what: str) -> Path:
    found = Path(path) if Path(path).is_absolute() else shutil.which(str(path))
    if found is None or not Path(found).exists():
        unavailable(f"{what} is not installed ({path})")
    return Path(found)  # type: ignore[arg-type]
