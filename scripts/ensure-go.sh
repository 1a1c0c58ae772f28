#!/usr/bin/env bash
# Builds the Go proof of the provider plugin (test/languages/go: an inline Automation API program
# using the generated Go SDK) into a cached binary and prints its path on stdout (progress goes to
# stderr):
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/go-proof/<hash>/go-proof
# <hash> covers the program's main.go, go.mod and go.sum, the generated SDK and the Go version, so a
# warm run only hashes. The Go module and build caches are the defaults (GOMODCACHE, GOCACHE), so a
# rebuild after a change is quick once they are warm. One build at a time (flock).
# Usage: scripts/ensure-go.sh [SDK_DIR]   (default .cache/sdk/go/tokens, from scripts/gen-sdk.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

src=test/languages/go
sdk=${1:-.cache/sdk/go/tokens}
[ -f "$sdk/go.mod" ] || {
  echo "ensure-go: no Go SDK at $sdk (run scripts/gen-sdk.sh go)" >&2
  exit 1
}
sdk=$(realpath "$sdk")
go_bin=$(command -v go || true)
[ -n "$go_bin" ] || [ ! -x /usr/local/go/bin/go ] || go_bin=/usr/local/go/bin/go
[ -n "$go_bin" ] || {
  echo "ensure-go: no Go toolchain" >&2
  exit 2
}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

# The SDK module the program replaces must be the one gen-sdk made.
wanted=$(cd "$src" && "$go_bin" mod edit -json | node -e '
  const mod = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  process.stdout.write(String(mod.Replace?.[0]?.Old?.Path ?? ""))')
module=$(cd "$sdk" && "$go_bin" mod edit -json | node -e '
  process.stdout.write(JSON.parse(require("node:fs").readFileSync(0, "utf8")).Module.Path)')
[ "$wanted" = "$module" ] || {
  echo "ensure-go: $src/go.mod replaces $wanted, but the SDK at $sdk is module $module" >&2
  exit 1
}

cache_root=${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tokens}
hash=$( (
  "$go_bin" version
  cat "$0" "$src/main.go" "$src/go.mod" "$src/go.sum"
  cd "$sdk" && find . -type f ! -name '.*' | LC_ALL=C sort | xargs sha256sum
) | sha256sum | cut -c1-16)
dir="$cache_root/go-proof/$hash"
binary="$dir/go-proof"

if [ ! -x "$binary" ]; then
  mkdir -p "$cache_root/go-proof"
  exec 9>"$cache_root/go-proof/.build.lock"
  flock 9
  if [ ! -x "$binary" ]; then
    work="$dir/src"
    rm -rf "$dir" && mkdir -p "$work"
    cp "$src/main.go" "$src/go.mod" "$src/go.sum" "$work/"
    cd "$work"
    "$go_bin" mod edit -replace "$module=$sdk"
    started=$(date +%s)
    "$go_bin" mod download >&2
    downloaded=$(date +%s)
    # The flags of the CLI build (scripts/ensure-pulumi.sh): its compiled packages in GOCACHE are reused.
    "$go_bin" build -trimpath -tags osusergo,grpcnotrace -o "$binary.tmp" . >&2
    mv -f "$binary.tmp" "$binary"
    echo "ensure-go: modules ready in $((downloaded - started))s, built $binary in $(($(date +%s) - downloaded))s" >&2
    # Builds of other sources a day old are of no further use (a day: another checkout may still run one).
    find "$cache_root/go-proof" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -mmin +1440 -exec rm -rf {} +
  fi
  exec 9>&-
fi
echo "$binary"
