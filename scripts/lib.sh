# Shared by scripts/ensure-*.sh (sourced from the repo root): where builds are cached per user, and which Go builds them.

# The per-user cache of every build: $PULUMI_TOKENS_CACHE, else $XDG_CACHE_HOME/pulumi-tokens, else ~/.cache/pulumi-tokens.
cache_root=${PULUMI_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tokens}

# The Go toolchain: `go` on PATH, else the standard /usr/local/go; prints nothing when there is none.
find_go() {
  if command -v go; then return; fi
  if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; fi
}
