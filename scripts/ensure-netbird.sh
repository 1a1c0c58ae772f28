#!/usr/bin/env bash
# Builds the NetBird management server (module github.com/netbirdio/netbird, its `management`
# command, at the version tools/netbird-management/go.mod pins) from the Go module proxy, once, into
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/netbird-management/v<version>/netbird-mgmt
# and prints that path on stdout (progress goes to stderr). About 8 min cold on 2 cores; a warm run
# only checks the file. One build at a time (flock).
#
# Loopback only: as published, the command listens on all interfaces (HTTP/gRPC API, the legacy gRPC
# port, the metrics port) and on localhost:6060 (pprof, a fixed port two servers would share). The
# build replaces the module with a patched temporary copy, deleted afterwards (`go build -overlay`
# refuses files in the module cache); nothing of NetBird's source is kept in this repo. Each patch
# must apply exactly, so a new version that moved a listener fails here instead of listening on
# 0.0.0.0.
# Exit codes: 0 ok, 2 no Go toolchain or C compiler, 1 anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tool=tools/netbird-management
module=github.com/netbirdio/netbird
version=$(sed -n "s|^require $module v\([^ ]*\).*|\1|p" "$tool/go.mod" | head -1)
[ -n "$version" ] || {
  echo "ensure-netbird: $tool/go.mod has no line 'require $module v…'" >&2
  exit 1
}
dir="$cache_root/netbird-management/v$version"
binary="$dir/netbird-mgmt"
# Records which patches made the binary: changed patches make a new one.
stamp="$dir/.patches-$(sed -n '/^patch management/p' "$0" | sha256sum | cut -c1-12)"

if [ -x "$binary" ] && [ -e "$stamp" ]; then
  echo "$binary"
  exit 0
fi

go_bin=$(find_go)
[ -n "$go_bin" ] || {
  echo "ensure-netbird: no Go toolchain to build NetBird management v$version (install Go >= 1.25)" >&2
  exit 2
}
# CGO: the server's sqlite store (gorm.io/driver/sqlite, mattn/go-sqlite3) exists only with cgo;
# without it the build fails (dex) or the server cannot open its store.
command -v "${CC:-cc}" >/dev/null || {
  echo "ensure-netbird: no C compiler (${CC:-cc}) to build NetBird management v$version with its sqlite store (cgo); install gcc" >&2
  exit 2
}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=1

mkdir -p "$dir"
exec 9>"$dir/.build.lock"
flock 9
if [ -x "$binary" ] && [ -e "$stamp" ]; then
  echo "$binary"
  exit 0
fi

echo "ensure-netbird: building NetBird management v$version from the Go module proxy (first time: about 8 min on 2 cores)" >&2
started=$(date +%s)
work="$dir/src"
rm -rf "$work" && mkdir -p "$work"
cp "$tool/go.mod" "$tool/go.sum" "$work/"
cd "$work"
"$go_bin" mod download "$module" >&2
src=$("$go_bin" list -m -f '{{.Dir}}' "$module")
patched="$work/netbird"
cp -R "$src" "$patched" && chmod -R u+w "$patched"

# patch FILE FROM TO COUNT: in FILE (relative to the module), FROM becomes TO exactly COUNT times.
patch() {
  local file=$1 from=$2 to=$3 count=$4 found
  found=$(FROM=$from TO=$to perl -0pi -e '$n += s/\Q$ENV{FROM}\E/$ENV{TO}/g; END { print $n + 0 }' "$patched/$file")
  if [ "$found" != "$count" ]; then
    echo "ensure-netbird: $file: expected $count of '$from', found $found; the loopback patch needs updating for v$version" >&2
    exit 1
  fi
}
patch management/main.go 'http.ListenAndServe("localhost:6060"' 'http.ListenAndServe("127.0.0.1:0"' 1
patch management/internals/server/server.go 'fmt.Sprintf(":%d"' 'fmt.Sprintf("127.0.0.1:%d"' 4
patch management/server/telemetry/app_metrics.go 'net.Listen("tcp4", fmt.Sprintf(":%d"' 'net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d"' 1
"$go_bin" mod edit -replace "$module=$patched"

downloaded=$(date +%s)
nice "$go_bin" build -trimpath -ldflags "-s -w -X $module/version.version=$version" \
  -o "$binary.tmp" "$module/management" >&2
mv -f "$binary.tmp" "$binary"
rm -f "$dir"/.patches-*
touch "$stamp"
cd "$dir" && rm -rf "$work"
echo "ensure-netbird: modules ready in $((downloaded - started))s, built $binary in $(($(date +%s) - downloaded))s" >&2
echo "$binary"
