# Sourced by scripts/dev and scripts/test: provisions Node 24 (from the npm registry when the machine's
# Node is older), installs npm dependencies when package-lock.json changed, builds or reuses the cached
# toolchain (the components in PREPARE_TOOLCHAIN, default all), and compiles the operator with its
# workflow bundle when its sources changed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

bash scripts/toolchain.sh node
eval "$(bash scripts/toolchain.sh --print-env | grep '^NODE_BIN=')"
export PATH="$(dirname "$NODE_BIN"):$PATH"
echo "[prepare] node $(node --version) from $NODE_BIN" >&2

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-sha256 2>/dev/null || true)" != "$lock_sum" ]; then
  echo "[prepare] npm ci ..." >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.lock-sha256
fi

# shellcheck disable=SC2086 # a list of components
bash scripts/toolchain.sh ${PREPARE_TOOLCHAIN:-}
bash scripts/build-if-stale
