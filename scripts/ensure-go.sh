#!/usr/bin/env bash
# Builds the Go proof of the provider plugin (test/languages/go: an inline Automation API program
# using the Go SDK) into a cached binary and prints its path on stdout (progress goes to stderr):
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/go-proof/<hash>/go-proof
# The SDK is got as users get it: on a copy of the program whose go.mod no longer mentions the SDK
# module, the commands of docs/languages.md's `<!-- tested: go -->` block run word for word, with the
# clone beside the program as ../pulumi-tokens. <hash> covers the program's main.go, go.mod and
# go.sum, the SDK, those commands and the Go version, so a warm run only hashes. The Go module and
# build caches are the defaults (GOMODCACHE, GOCACHE). One build at a time (flock).
# Usage: scripts/ensure-go.sh [SDK_DIR]   (default sdk/go/tokens, committed; scripts/gen-sdk.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

src=test/languages/go
sdk=${1:-sdk/go/tokens}
[ -f "$sdk/go.mod" ] || {
  echo "ensure-go: no Go SDK at $sdk (run scripts/gen-sdk.sh go)" >&2
  exit 1
}
sdk=$(realpath "$sdk")
go_bin=$(find_go)
[ -n "$go_bin" ] || {
  echo "ensure-go: no Go toolchain" >&2
  exit 2
}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

# The guide's commands that get the SDK (between the marker's ```sh and the closing ```).
commands=$(awk '/^<!-- tested: go -->$/ { marked = 1; next }
  marked && /^```sh$/ { inside = 1; next }
  inside && /^```$/ { exit }
  inside { print }' docs/languages.md)
[ -n "$commands" ] || {
  echo "ensure-go: docs/languages.md has no sh block marked <!-- tested: go -->" >&2
  exit 1
}

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

hash=$( (
  "$go_bin" version
  cat "$0" "$src/main.go" "$src/go.mod" "$src/go.sum"
  echo "$commands"
  cd "$sdk" && find . -type f ! -name '.*' | LC_ALL=C sort | xargs sha256sum
) | sha256sum | cut -c1-16)
dir="$cache_root/go-proof/$hash"
binary="$dir/go-proof"

if [ ! -x "$binary" ]; then
  mkdir -p "$cache_root/go-proof"
  exec 9>"$cache_root/go-proof/.build.lock"
  flock 9
  if [ ! -x "$binary" ]; then
    work="$dir/app"
    rm -rf "$dir" && mkdir -p "$work"
    cp "$src/main.go" "$src/go.mod" "$src/go.sum" "$work/"
    # The clone, where the guide expects it: ../pulumi-tokens, holding sdk/go/tokens.
    clone="$dir/pulumi-tokens/sdk/go"
    mkdir -p "$clone" && ln -s "$sdk" "$clone/tokens"
    cd "$work"
    "$go_bin" mod edit -dropreplace "$module" -droprequire "$module"
    started=$(date +%s)
    PATH="$(dirname "$go_bin"):$PATH" bash -euo pipefail -c "$commands" >&2
    downloaded=$(date +%s)
    # The flags of the CLI build (scripts/ensure-pulumi.sh): its compiled packages in GOCACHE are reused.
    "$go_bin" build -trimpath -tags osusergo,grpcnotrace -o "$binary.tmp" . >&2
    mv -f "$binary.tmp" "$binary"
    echo "ensure-go: the guide's go get took $((downloaded - started))s, built $binary in $(($(date +%s) - downloaded))s" >&2
    # Builds of other sources a day old are of no further use (a day: another checkout may still run one).
    find "$cache_root/go-proof" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -mmin +1440 -exec rm -rf {} +
  fi
  exec 9>&-
fi
echo "$binary"
