#!/usr/bin/env bash
# Makes sure the Pulumi YAML language host (pulumi-language-yaml) and its converter (pulumi-converter-yaml),
# at the version pinned in tools/pulumi-yaml/go.mod, are where the Pulumi CLI finds them: beside the CLI,
#   ${PULUMI_HOME:-~/.pulumi}/versions/<cli version>/bin/
# (the CLI looks for bundled language hosts next to its own resolved executable, and for any plugin on PATH),
# with links in .pulumi/bin/ (on PATH in scripts/test.sh) pointing at those.
#
# Built once from the Go module proxy into the per-user cache
#   ${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-tokens}/pulumi-yaml/v<version>/
# (about 6 min cold on 2 cores, under a lock so parallel checkouts build it once), reused when present.
# When the CLI is a link to an official distribution, that distribution's YAML host is used instead.
# Prints the directory holding the two executables. Exits 1 with a reason when it cannot build them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

module=github.com/pulumi/pulumi-yaml
version=$(sed -n "s#^[[:space:]]*$module v\([^ ]*\).*#\1#p" tools/pulumi-yaml/go.mod)
[ -n "$version" ] || {
  echo "ensure-yaml: tools/pulumi-yaml/go.mod does not pin $module" >&2
  exit 1
}
cli_version=$(node -p 'require("@pulumi/pulumi/package.json").version')
cli_bin="${PULUMI_HOME:-$HOME/.pulumi}/versions/$cli_version/bin"
out="$cache_root/pulumi-yaml/v$version"
hosts=(pulumi-language-yaml pulumi-converter-yaml)

built() { for h in "${hosts[@]}"; do [ -x "$out/$h" ] || return 1; done; }

# A CLI that is a link to an installed official distribution (scripts/ensure-pulumi.sh links an ambient
# `pulumi` of the right version) finds the YAML host shipped beside it: use that one, build nothing.
cli_home=$(dirname "$(readlink -f "$cli_bin/pulumi" 2>/dev/null || echo "$cli_bin/pulumi")")
if [ "$cli_home" != "$(readlink -f "$cli_bin")" ] && [ -x "$cli_home/pulumi-language-yaml" ]; then
  mkdir -p .pulumi/bin
  for h in "${hosts[@]}"; do [ ! -x "$cli_home/$h" ] || ln -sfn "$cli_home/$h" ".pulumi/bin/$h"; done
  echo "$cli_home"
  exit 0
fi

if ! built; then
  go_bin=$(find_go)
  if [ -z "$go_bin" ]; then
    echo "ensure-yaml: no Go toolchain to build the Pulumi YAML language host $version (needs Go >= 1.24)." >&2
    exit 1
  fi
  mkdir -p "$cache_root/pulumi-yaml"
  exec 9>"$cache_root/pulumi-yaml/.build-v$version.lock"
  flock 9
  if ! built; then
    echo "ensure-yaml: building $module $version from the Go module proxy (first time: about 6 min)" >&2
    work="$cache_root/pulumi-yaml/src-v$version"
    rm -rf "$work" && mkdir -p "$work/bin"
    cp tools/pulumi-yaml/go.mod tools/pulumi-yaml/go.sum "$work/"
    started=$(date +%s)
    (
      cd "$work"
      export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
      nice "$go_bin" build -trimpath -ldflags "-s -w -X $module/pkg/version.Version=v$version" \
        -o "$work/bin/" "$module/cmd/pulumi-language-yaml" "$module/cmd/pulumi-converter-yaml"
    ) >&2
    mkdir -p "$out"
    for h in "${hosts[@]}"; do mv -f "$work/bin/$h" "$out/$h"; done
    rm -rf "$work"
    echo "ensure-yaml: built $module $version into $out in $(($(date +%s) - started))s" >&2
  fi
  exec 9>&-
fi

# Beside the CLI as real files (hard links, else copies): the CLI resolves its own symlinks but not the
# host's, and warns when the host found on PATH is not the one beside it.
mkdir -p "$cli_bin" .pulumi/bin
for h in "${hosts[@]}"; do
  if ! [ "$cli_bin/$h" -ef "$out/$h" ]; then
    ln -f "$out/$h" "$cli_bin/$h.tmp" 2>/dev/null || cp "$out/$h" "$cli_bin/$h.tmp"
    mv -f "$cli_bin/$h.tmp" "$cli_bin/$h"
  fi
  ln -sfn "$cli_bin/$h" ".pulumi/bin/$h"
done
echo "$out"
