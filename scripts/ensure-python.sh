#!/usr/bin/env bash
# Makes sure a Python venv with PyPI `pulumi` at exactly the version of the installed @pulumi/pulumi
# exists, for the Python proof of the provider plugin (test/languages/python.test.ts), and prints its
# directory on stdout (everything else goes to stderr):
#   ${PULUMI_TOKENS_CACHE:-~/.cache/pulumi-tokens}/venv-<version>
# Reused when present and complete; one build at a time (flock). Needs Python >= 3.10 (`python3`, or
# $PYTHON) and PyPI (or a wheel mirror pip is configured for).  Usage: scripts/ensure-python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

version=$(node -p 'require("@pulumi/pulumi/package.json").version')
venv="$cache_root/venv-$version"
stamp="$venv/.pulumi-tokens-ready"
python=${PYTHON:-python3}

command -v "$python" >/dev/null || {
  echo "ensure-python: no $python on PATH" >&2
  exit 2
}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  echo "ensure-python: $("$python" --version 2>&1) is too old; Python >= 3.10 is needed" >&2
  exit 2
}

# What the venv holds: the SDK, what the generated pulumi_tokens package requires besides it (parver,
# semver), and setuptools/wheel so that package installs with --no-build-isolation (no download).
packages="pulumi==$version parver semver setuptools wheel"
ready() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ] && [ -x "$venv/bin/python" ]; }

if ! ready; then
  mkdir -p "$cache_root"
  exec 9>"$cache_root/.venv-$version.lock"
  flock 9
  if ! ready; then
    started=$(date +%s)
    echo "ensure-python: creating $venv with pulumi==$version" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # shellcheck disable=SC2086 # one word per package
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $packages >&2
    "$venv/bin/python" -c 'import pulumi.automation' >&2
    echo "$packages" >"$stamp"
    echo "ensure-python: venv ready in $(($(date +%s) - started))s" >&2
  fi
  exec 9>&-
fi
echo "$venv"
