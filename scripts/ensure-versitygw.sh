#!/usr/bin/env bash
# Builds versitygw (an S3-compatible gateway over a local directory; test/harness/s3.ts runs it as Pulumi's
# state backend) from the Go module proxy, pinned by tools/versitygw/go.mod, and prints the binary's path on
# stdout (progress goes to stderr):
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/versitygw/v<version>/versitygw
# About a minute cold on 2 cores, instant when present. One build at a time (flock).
# Exit codes: 0 built or present, 2 no Go toolchain, 1 the build failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

module=github.com/versity/versitygw
version=$(sed -n "s#^[[:space:]]*$module \(v[^ ]*\).*#\1#p" tools/versitygw/go.mod)
[ -n "$version" ] || {
  echo "ensure-versitygw: tools/versitygw/go.mod does not require $module" >&2
  exit 1
}
dir="$cache_root/versitygw/$version"
binary="$dir/versitygw"

if [ ! -x "$binary" ]; then
  go_bin=$(find_go)
  [ -n "$go_bin" ] || {
    echo "ensure-versitygw: no Go toolchain to build versitygw $version (need Go >= 1.25)" >&2
    exit 2
  }
  mkdir -p "$dir"
  exec 9>"$dir/.build.lock"
  flock 9
  if [ ! -x "$binary" ]; then
    echo "ensure-versitygw: building $module/cmd/versitygw@$version from the Go module proxy (about a minute)" >&2
    work=$(mktemp -d "$dir/src.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    cp tools/versitygw/go.mod tools/versitygw/go.sum "$work/"
    started=$(date +%s)
    (
      cd "$work"
      export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
      nice "$go_bin" build -trimpath -ldflags "-s -w" -o "$work/versitygw" "$module/cmd/versitygw"
    ) >&2
    mv -f "$work/versitygw" "$binary"
    echo "ensure-versitygw: built $binary in $(($(date +%s) - started))s" >&2
  fi
  exec 9>&-
fi
echo "$binary"
