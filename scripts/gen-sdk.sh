#!/usr/bin/env bash
# Generates the Python and Go SDKs of the `tokens` provider plugin from its schema with the Pulumi CLI
# (`pulumi package gen-sdk <schema> --language python|go`), by default into sdk/, where they are
# committed (docs/languages.md says why; test/languages/sdk.test.ts fails when they drift from the
# schema), and prints that directory on stdout (progress goes to stderr):
#   <out>/python            a Python package (scripts/package-python-sdk.sh builds its wheel)
#   <out>/go/<package>      a Go module (this script writes its go.mod): users `go get` it (with a
#                           `replace <module> => <clone>/sdk/go/<package>` until it is published)
# Usage: scripts/gen-sdk.sh [--schema FILE] [--out DIR] [--force] [python|go]...
#   defaults: --schema src/plugin/schema.json, --out sdk (committed: see docs/languages.md), both languages.
# Regenerates only when the schema, the CLI version or this script changed (or with --force).
#
# The CLI generates an SDK through the language plugin (pulumi-language-python / pulumi-language-go)
# that the official distribution ships beside `pulumi`. When none is found (a CLI built from the Go
# module proxy, which refuses the language hosts' modules), this script builds a codegen-only
# stand-in from tools/codegen-host/ (it calls the same github.com/pulumi/pulumi/pkg/v3
# code generator, at the CLI's version) and puts it on PATH for gen-sdk only. Needs Go >= 1.22 then.
set -euo pipefail
cd "$(dirname "$0")/.."

schema=src/plugin/schema.json
out=sdk
force=false
languages=()
while [ $# -gt 0 ]; do
  case "$1" in
    --schema) schema=$2 && shift 2 ;;
    --out) out=$2 && shift 2 ;;
    --force) force=true && shift ;;
    python | go) languages+=("$1") && shift ;;
    *)
      echo "usage: scripts/gen-sdk.sh [--schema FILE] [--out DIR] [--force] [python|go]..." >&2
      exit 2
      ;;
  esac
done
[ ${#languages[@]} -gt 0 ] || languages=(python go)
[ -f "$schema" ] || {
  echo "gen-sdk: no schema at $schema" >&2
  exit 1
}
schema=$(realpath "$schema")
mkdir -p "$out"
out=$(realpath "$out")

version=$(node -p 'require("@pulumi/pulumi/package.json").version')
cli=${PULUMI_CLI:-${PULUMI_HOME:-$HOME/.pulumi}/versions/$version/bin/pulumi}
[ -x "$cli" ] || cli=$(command -v pulumi || true)
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "gen-sdk: no Pulumi CLI v$version (run scripts/ensure-pulumi.sh)" >&2
  exit 1
fi
cache_root=${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tokens}
go_bin=$(command -v go || true)
[ -n "$go_bin" ] || [ ! -x /usr/local/go/bin/go ] || go_bin=/usr/local/go/bin/go
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} PULUMI_SKIP_UPDATE_CHECK=true

# A real language plugin on PATH or beside the CLI, as the official distribution ships it.
real_host() {
  command -v "pulumi-language-$1" >/dev/null && return 0
  [ -x "$(dirname "$(readlink -f "$cli")")/pulumi-language-$1" ]
}

# Builds the codegen-only stand-in (cached per version and source hash) and prints its bin dir.
codegen_host() {
  local src=tools/codegen-host hash dir
  [ -n "$go_bin" ] || {
    echo "gen-sdk: no pulumi-language-python/go beside $cli and no Go toolchain to build the codegen host" >&2
    return 1
  }
  hash=$( (
    cat "$src/main.go" "$src/go.mod" "$src/go.sum"
    echo "-trimpath -tags osusergo,grpcnotrace"
  ) | sha256sum | cut -c1-16)
  dir="$cache_root/codegen-host/v$version-$hash"
  if [ ! -x "$dir/bin/pulumi-language-go" ]; then
    mkdir -p "$cache_root/codegen-host"
    (
      flock 8
      if [ ! -x "$dir/bin/pulumi-language-go" ]; then
        local started work
        started=$(date +%s)
        work="$dir/src"
        rm -rf "$dir" && mkdir -p "$work" "$dir/bin"
        cp "$src/main.go" "$src/go.mod" "$src/go.sum" "$work/"
        cd "$work"
        export GOFLAGS=-mod=mod CGO_ENABLED=0
        if ! grep -qE "github.com/pulumi/pulumi/pkg/v3 v$version( |$)" go.mod; then
          "$go_bin" get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2
        fi
        echo "gen-sdk: building the codegen host (pulumi/pkg/v3 v$version codegen)" >&2
        # The flags of the CLI build (scripts/ensure-pulumi.sh), so its compiled packages are reused.
        "$go_bin" build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X main.version=$version" \
          -o "$dir/bin/pulumi-language-python" . >&2
        ln -sf pulumi-language-python "$dir/bin/pulumi-language-go"
        echo "gen-sdk: codegen host built in $(($(date +%s) - started))s" >&2
      fi
    ) 8>"$cache_root/codegen-host/.build.lock"
  fi
  echo "$dir/bin"
}

exec 9>"$out/.gen-sdk.lock"
flock 9
fingerprint=$( (
  cat "$schema" "$0"
  "$cli" version
) | sha256sum | cut -d' ' -f1)
for language in "${languages[@]}"; do
  stamp="$out/.$language.stamp"
  if [ "$force" = false ] && [ -d "$out/$language" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
    continue
  fi
  started=$(date +%s)
  path_for_cli=$PATH
  if ! real_host "$language"; then
    host_bin=$(codegen_host)
    path_for_cli="$host_bin:$PATH"
  fi
  staging=$(mktemp -d "$out/.staging-$language.XXXXXX")
  home=$(mktemp -d)
  # gen-sdk writes <out>/<language>; a throwaway PULUMI_HOME keeps the user's untouched.
  PATH=$path_for_cli PULUMI_HOME=$home "$cli" package gen-sdk "$schema" --language "$language" \
    --out "$staging" 2>&1 | grep -v "^warning: using pulumi-language-$language from \$PATH" >&2 || true
  rm -rf "$home"
  [ -d "$staging/$language" ] || {
    echo "gen-sdk: pulumi package gen-sdk --language $language wrote nothing" >&2
    rm -rf "$staging"
    exit 1
  }
  if [ "$language" = go ]; then
    # gen-sdk writes no go.mod: make the package root (the directory with pulumi-plugin.json) a
    # module named after the import path the generated code uses for its internal package.
    plugin_json=$(find "$staging/go" -name pulumi-plugin.json | head -1)
    root=$(dirname "$plugin_json")
    module=$(grep -rhoE '"[^"]+/internal"' "$root" --include='*.go' | head -1 | tr -d '"')
    module=${module%/internal}
    [ -n "$module" ] || {
      echo "gen-sdk: cannot tell the Go SDK's import path" >&2
      exit 1
    }
    printf 'module %s\n\ngo 1.22\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' "$module" "$version" >"$root/go.mod"
    if [ -n "$go_bin" ]; then
      (cd "$root" && GOFLAGS=-mod=mod "$go_bin" mod tidy >&2)
    fi
  fi
  rm -rf "${out:?}/$language"
  mv "$staging/$language" "$out/$language"
  rm -rf "$staging"
  echo "$fingerprint" >"$stamp"
  echo "gen-sdk: $language SDK in $out/$language ($(($(date +%s) - started))s)" >&2
done
echo "$out"
