#!/usr/bin/env bash
# Builds the real registry parts the registry e2e runs against and prints their directory on stdout
# (progress goes to stderr):
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/registry/v<distribution>-crane-v<crane>/{registry,crane}
# - `registry`: the CNCF distribution registry (github.com/distribution/distribution/v3/cmd/registry);
# - `crane`: go-containerregistry's client (github.com/google/go-containerregistry/cmd/crane).
# Versions are the ones pinned in tools/registry/go.mod (go.sum beside it). Both are built by one
# `go build` from the Go module proxy (about 5 min cold on 2 cores, seconds warm), once, under flock.
# Exit 2 when there is no Go toolchain (callers print SKIPPED, or fail under CI=true).
# Usage: scripts/ensure-registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tool=tools/registry
go_bin=$(find_go)
[ -n "$go_bin" ] || {
  echo "ensure-registry: no Go toolchain (Go >= $(sed -n 's/^go //p' "$tool/go.mod") builds the registry and crane)" >&2
  exit 2
}

pinned() { sed -nE "s#^[[:space:]]*$1 (v[^ ]+).*#\1#p" "$tool/go.mod" | head -1; }
distribution=$(pinned github.com/distribution/distribution/v3)
crane=$(pinned github.com/google/go-containerregistry)
[ -n "$distribution" ] && [ -n "$crane" ] || {
  echo "ensure-registry: $tool/go.mod must require distribution/v3 and go-containerregistry" >&2
  exit 1
}

dir="$cache_root/registry/$distribution-crane-$crane"
ready() { [ -x "$dir/registry" ] && [ -x "$dir/crane" ]; }

if ! ready; then
  mkdir -p "$cache_root/registry"
  exec 9>"$cache_root/registry/.build.lock"
  flock 9
  if ! ready; then
    echo "ensure-registry: building registry $distribution and crane $crane from the Go module proxy (first time: ~5 min)" >&2
    work="$dir.src"
    rm -rf "$work" "$dir" && mkdir -p "$work" "$dir.tmp"
    cp "$tool/go.mod" "$tool/go.sum" "$work/"
    started=$(date +%s)
    (
      cd "$work"
      export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
      nice "$go_bin" build -trimpath -ldflags "-s -w" -o "$dir.tmp/" \
        github.com/distribution/distribution/v3/cmd/registry \
        github.com/google/go-containerregistry/cmd/crane >&2
    )
    mv -f "$dir.tmp" "$dir"
    rm -rf "$work"
    echo "ensure-registry: built $dir in $(($(date +%s) - started))s" >&2
  fi
  exec 9>&-
fi
echo "$dir"
