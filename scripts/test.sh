#!/usr/bin/env bash
# The whole check, as `npm test` runs it after scripts/setup.sh: lint, typecheck, then every
# vitest suite (unit, emulator, provider, engine e2e). Ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PWD/.pulumi/bin:$PATH"

echo "== lint (eslint, prettier)"
eslint .
prettier --check . --log-level warn
echo "== typecheck (tsc)"
tsc -p tsconfig.json
echo "== tests (vitest)"
mkdir -p .cache
status=0
vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(".cache/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit "$status"
