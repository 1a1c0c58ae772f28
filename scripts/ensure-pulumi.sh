#!/usr/bin/env bash
# Makes sure the Pulumi CLI at exactly the version of the installed @pulumi/pulumi is where the npm
# `pulumi` launcher (devDependency `pulumi`) and the Automation API's PulumiCommand look for it:
#   ${PULUMI_HOME:-~/.pulumi}/versions/<version>/bin/pulumi
# with `pulumi-resource-pulumi-nodejs` beside it, as in the official distribution.
#
# Order, first that works:
#   1. a `pulumi` on PATH at that version (linked into the cache location);
#   2. the cache location already holds that version (a launcher download, or an earlier run);
#   3. the launcher downloads it (a normal machine; fails fast offline);
#   4. offline fallback: build it from the Go module proxy with the tool module in tools/pulumi-cli/
#      (10-25 min cold on 2 cores, seconds with warm Go caches), straight into the cache location.
# Also keeps .pulumi/bin/ (symlinks) for older callers. Quick and idempotent when warm.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

version=$(node -p 'require("@pulumi/pulumi/package.json").version')
launcher_version=$(node -p 'try { require("pulumi/package.json").version } catch { "" }')
if [ -n "$launcher_version" ] && [ "$launcher_version" != "$version" ]; then
  echo "setup: warning: devDependency pulumi is $launcher_version but @pulumi/pulumi is $version; pin both to one version" >&2
fi
root="${PULUMI_HOME:-$HOME/.pulumi}/versions/$version"
bin="$root/bin"
cli="$bin/pulumi"
plugin="$bin/pulumi-resource-pulumi-nodejs"
legacy_build="$cache_root/pulumi-cli/v$version/pulumi" # where builds went before this layout

cli_version() { "$1" version 2>/dev/null | tr -d '[:space:]'; }
right_version() { [ -x "$1" ] && [ "$(cli_version "$1")" = "v$version" ]; }

# A pulumi on PATH, leaving out npm launchers (this checkout's or any other's: a launcher resolves to the
# cache location below, so linking it there would make it start itself forever) and this script's own links.
ambient=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vxF -e "$PWD/.pulumi/bin" -e "$bin" |
  grep -v -e '/node_modules/\.bin$' | paste -sd:) command -v pulumi || true)
case "$(readlink -f "$ambient" 2>/dev/null)" in
*/node_modules/pulumi/*) ambient="" ;;
esac

mkdir -p "$bin"
if [ -n "$ambient" ] && right_version "$ambient"; then
  echo "setup: using pulumi v$version from $ambient"
  [ "$(readlink -f "$cli" 2>/dev/null)" = "$(readlink -f "$ambient")" ] || ln -sfn "$(readlink -f "$ambient")" "$cli"
  ambient_plugin="$(dirname "$(readlink -f "$ambient")")/pulumi-resource-pulumi-nodejs"
  if [ ! -e "$plugin" ] && [ -x "$ambient_plugin" ]; then ln -s "$ambient_plugin" "$plugin"; fi
elif right_version "$cli"; then
  echo "setup: using pulumi v$version from $root"
elif [ -x node_modules/.bin/pulumi ] &&
  PULUMI_SKIP_UPDATE_CHECK=true timeout 120 node_modules/.bin/pulumi version >/dev/null 2>&1 &&
  right_version "$cli"; then
  echo "setup: pulumi v$version downloaded by the npm launcher into $root"
elif right_version "$legacy_build"; then
  echo "setup: using the pulumi v$version built earlier ($legacy_build)"
  rm -f "$cli"
  ln "$legacy_build" "$cli" 2>/dev/null || cp "$legacy_build" "$cli"
else
  go_bin=$(find_go)
  if [ -z "$go_bin" ]; then
    echo "setup: no Pulumi CLI v$version: none on PATH, the npm launcher could not download it, and no Go toolchain to build one." >&2
    echo "       Install pulumi v$version (https://www.pulumi.com/docs/install/) or Go >= 1.25." >&2
    exit 1
  fi
  # One build at a time (another checkout may be building the same version).
  mkdir -p "$cache_root/pulumi-cli"
  exec 9>"$cache_root/pulumi-cli/.build-v$version.lock"
  flock 9
  if right_version "$cli"; then
    echo "setup: pulumi v$version was built meanwhile into $root"
    build=false
  else
    build=true
  fi
fi
if [ "${build:-false}" = true ]; then
  echo "setup: the npm launcher could not download pulumi v$version (offline?); building it from the Go module proxy (first time: 10-25 min)"
  work="$cache_root/pulumi-cli/src-v$version"
  rm -rf "$work" && mkdir -p "$work"
  cp tools/pulumi-cli/go.mod tools/pulumi-cli/go.sum "$work/"
  started=$(date +%s)
  (
    cd "$work"
    export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
    module=github.com/pulumi/pulumi
    if ! grep -qE "$module/pkg/v3 v$version( |$)" go.mod; then
      echo "setup: tools/pulumi-cli/go.mod pins another version; resolving v$version"
      "$go_bin" get "$module/pkg/v3@v$version" "$module/sdk/v3@v$version"
    fi
    "$go_bin" build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X $module/sdk/v3/go/common/version.Version=v$version" \
      -o "$work/pulumi" "$module/pkg/v3/cmd/pulumi"
  )
  mv -f "$work/pulumi" "$cli"
  rm -rf "$work"
  echo "setup: built pulumi v$version into $root in $(($(date +%s) - started))s"
fi

# The plugin that runs dynamic providers, as the official distribution ships it: a script that
# starts @pulumi/pulumi's dynamic-provider host, resolved from the program's directory, so it works
# for any project. Kept as is when present (e.g. from an official download).
if [ ! -e "$plugin" ]; then
  cp node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$plugin.tmp"
  chmod 755 "$plugin.tmp"
  mv -f "$plugin.tmp" "$plugin"
fi

mkdir -p .pulumi/bin
ln -sfn "$cli" .pulumi/bin/pulumi
ln -sfn "$plugin" .pulumi/bin/pulumi-resource-pulumi-nodejs
