#!/usr/bin/env bash
# Packs the `pulumi-resource-tokens` provider plugin as a plugin tarball that needs no Node and no npm,
# and prints the tarball's path on stdout (progress goes to stderr):
#   .cache/plugin/pulumi-resource-tokens-v<version>-linux-amd64.tar.gz
# holding `pulumi-resource-tokens` (a single executable: Node's single executable application with the
# plugin bundled, scripts/package-plugin.ts) and LICENSE. Users install it with
#   pulumi plugin install resource tokens <version> --file <tarball>
# Rebuilt only when its inputs changed (the sources, package.json, package-lock.json, LICENSE, these
# scripts, the Node version); one build at a time (flock).  Usage: scripts/package-plugin.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

force=false
case "${1:-}" in
  "") ;;
  --force) force=true ;;
  *)
    echo "usage: scripts/package-plugin.sh [--force]" >&2
    exit 2
    ;;
esac
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || {
  echo "package-plugin: builds linux-amd64 only (this is $(uname -s)-$(uname -m))" >&2
  exit 1
}

version=$(node -p 'require("./package.json").version')
name="pulumi-resource-tokens-v$version-linux-amd64.tar.gz"
out=.cache/plugin
tarball="$out/$name"
mkdir -p "$out"
exec 9>"$out/.build.lock"
flock 9

fingerprint=$( (
  node --version
  cat "$0" scripts/package-plugin.ts package.json package-lock.json LICENSE
  find src -type f | LC_ALL=C sort | xargs sha256sum
) | sha256sum | cut -d' ' -f1)
stamp="$tarball.inputs"
if [ "$force" = false ] && [ -f "$tarball" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
  realpath "$tarball"
  exit 0
fi

started=$(date +%s%N)
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/pack"
node scripts/package-plugin.ts "$work" "$work/pack/pulumi-resource-tokens" >&2
cp LICENSE "$work/pack/"
# What the engine runs must answer before it is shipped: the executable prints its port and serves.
"$work/pack/pulumi-resource-tokens" </dev/null >"$work/port" 2>"$work/stderr" &
pid=$!
for _ in $(seq 200); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
port=$(head -1 "$work/port")
[[ "$port" =~ ^[0-9]+$ ]] || {
  echo "package-plugin: the executable did not print a port (got '$port'): $(cat "$work/stderr")" >&2
  exit 1
}
# Reproducible: fixed owner, mode and time, in a fixed order.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode='u+rwX,go+rX,go-w' \
  -C "$work/pack" -cf - LICENSE pulumi-resource-tokens | gzip -n -6 >"$work/$name"
mv -f "$work/$name" "$tarball"
echo "$fingerprint" >"$stamp"
echo "package-plugin: $tarball ($(du -m "$tarball" | cut -f1) MB) in $((($(date +%s%N) - started) / 1000000)) ms" >&2
realpath "$tarball"
