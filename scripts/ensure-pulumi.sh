#!/usr/bin/env bash
# Puts a Pulumi CLI at exactly the version of the installed @pulumi/pulumi into .pulumi/bin/,
# next to the `pulumi-resource-pulumi-nodejs` plugin script that @pulumi/pulumi ships.
#
# Order: a `pulumi` on PATH at that version (what users have); else a cached build; else build
# it from the Go module proxy with the tool module in tools/pulumi-cli/ (10-25 min cold on 2 cores,
# seconds when the Go caches are warm). The build lives in the user cache, not in the repo:
#   ${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tokens}/pulumi-cli/v<version>/pulumi
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p 'require("@pulumi/pulumi/package.json").version')
cache_root=${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tokens}
cached="$cache_root/pulumi-cli/v$version/pulumi"
bin_dir="$PWD/.pulumi/bin"
mkdir -p "$bin_dir"

cli_version() { "$1" version 2>/dev/null | tr -d '[:space:]'; }

ambient=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vx "$bin_dir" | paste -sd:) command -v pulumi || true)
if [ -n "$ambient" ] && [ "$(cli_version "$ambient")" = "v$version" ]; then
  echo "setup: using pulumi v$version from $ambient"
  target=$ambient
elif [ -x "$cached" ] && [ "$(cli_version "$cached")" = "v$version" ]; then
  echo "setup: using cached pulumi v$version ($cached)"
  target=$cached
else
  go_bin=$(command -v go || true)
  [ -n "$go_bin" ] || [ ! -x /usr/local/go/bin/go ] || go_bin=/usr/local/go/bin/go
  if [ -z "$go_bin" ]; then
    echo "setup: no Pulumi CLI v$version on PATH and no Go toolchain to build one." >&2
    echo "       Install pulumi v$version (https://www.pulumi.com/docs/install/) or Go >= 1.25." >&2
    exit 1
  fi
  echo "setup: building pulumi v$version from the Go module proxy (first time: 10-25 min)"
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
  mkdir -p "$(dirname "$cached")"
  mv "$work/pulumi" "$cached"
  rm -rf "$work"
  echo "setup: built pulumi v$version in $(( $(date +%s) - started ))s"
  target=$cached
fi

ln -sfn "$target" "$bin_dir/pulumi"
ln -sfn "$PWD/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$bin_dir/pulumi-resource-pulumi-nodejs"
