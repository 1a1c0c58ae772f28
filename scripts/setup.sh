#!/usr/bin/env bash
# Makes a fresh clone ready to run: npm packages (including a current Node from the npm registry,
# which npm scripts put first on PATH), the compiled package in dist/, and the Pulumi CLI
# (scripts/ensure-pulumi.sh).
# Repeated runs reuse what is already there.  Usage: scripts/setup.sh [--no-pulumi]
set -euo pipefail
cd "$(dirname "$0")/.."

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.setup-stamp
if [ ! -x node_modules/.bin/node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
node -e 'const [major] = process.versions.node.split(".").map(Number);
  if (major < 22) { console.error(`setup: Node ${process.version} is too old; node_modules/.bin/node should be >= 22`); process.exit(1) }'

echo "setup: building dist/ with $(tsc --version)"
rm -rf dist
tsc -p tsconfig.build.json
node scripts/cjs-types.mjs >/dev/null

if [ "${1:-}" != "--no-pulumi" ]; then
  bash scripts/ensure-pulumi.sh
fi
