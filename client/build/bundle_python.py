"""Builds `bundled/` for the VS Code extension: the server's libraries, spawnguard, the launcher.

    python client/build/bundle_python.py

- `bundled/libs`: `client/requirements.txt` (pinned, hashed, compiled for Python 3.10) installed
  as pure-Python wheels with `--implementation py --no-deps`, so one .vsix runs on every
  platform; then the `spawnguard` package from `server/`, with a minimal `.dist-info`.
- `bundled/tool/launch_server.py`: puts `bundled/libs` first on `sys.path` and starts the server.
The wheels come from the package index named by pip's usual `PIP_INDEX_URL` (PyPI by default);
local wheel folders and constraints from this machine's pip configuration are ignored because
the hashes are the registry's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "bundled"
LIBS = BUNDLED / "libs"
TOOL = BUNDLED / "tool"
REQUIREMENTS = ROOT / "client" / "requirements.txt"
LAUNCHER = ROOT / "client" / "python" / "launch_server.py"
PACKAGE = ROOT / "server" / "spawnguard"
OLDEST_PYTHON = "3.10"
# Not needed at run time, and they would only make the .vsix bigger.
JUNK = ("__pycache__", "*.pyc", "*.pyo")


def pip_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_INDEX_URL"}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def install_requirements() -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--root-user-action", "ignore",
        "--target", str(LIBS),
        "--implementation", "py", "--python-version", OLDEST_PYTHON,
        "--only-binary", ":all:", "--no-deps", "--require-hashes", "--no-compile",
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    subprocess.run(command, check=True, env=pip_environment())
    # Console scripts: the extension never runs them.
    shutil.rmtree(LIBS / "bin", ignore_errors=True)


def project_version() -> str:
    namespace: dict[str, str] = {}
    # The file holds only a docstring and `__version__ = "..."`.
    exec((PACKAGE / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def copy_spawnguard() -> None:
    shutil.copytree(PACKAGE, LIBS / "spawnguard", ignore=shutil.ignore_patterns(*JUNK))
    version = project_version()
    dist_info = LIBS / f"spawnguard-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: spawnguard\nVersion: {version}\n", encoding="utf-8"
    )
    (dist_info / "INSTALLER").write_text("spawnguard-vscode\n", encoding="utf-8")


def check_bundle() -> None:
    """Import the server from the bundle alone, in a fresh interpreter."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import spawnguard, spawnguard.server.app, jedi, pygls, lsprotocol, cattrs, pathspec;"
        "assert spawnguard.__file__.startswith(sys.argv[1]), spawnguard.__file__;"
        "print(spawnguard.__version__)"
    )
    command = [sys.executable, "-B", "-c", probe, str(LIBS)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(LIBS, ignore_errors=True)
    shutil.rmtree(TOOL, ignore_errors=True)
    LIBS.mkdir(parents=True)
    TOOL.mkdir(parents=True)
    # Built output, never committed.
    (BUNDLED / ".gitignore").write_text("*\n", encoding="utf-8")
    install_requirements()
    copy_spawnguard()
    shutil.copy2(LAUNCHER, TOOL / LAUNCHER.name)
    check_bundle()
    files = sum(1 for path in LIBS.rglob("*") if path.is_file())
    elapsed = time.monotonic() - started
    print(f"bundled {files} files into {LIBS.relative_to(ROOT)} in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
