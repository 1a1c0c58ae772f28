#!/usr/bin/env bash
# One scheduled job for many stacks (one per team or environment): run.sh once per stack name, PARALLEL at a
# time. Each name is a producer stack and the consumer stack that reads it (PRODUCER_STACK = CONSUMER_STACK =
# the name); every other setting is run.sh's. The state backend locks each stack on its own, so stacks rotate
# in parallel; each run's lines are prefixed with its stack name.
#
#   STACKS="team-a team-b team-c" PARALLEL=4 bash run-many.sh
#
# Exit codes: 0 every stack's run passed, else the highest exit code of a failed run (run.sh's codes).
set -euo pipefail

: "${STACKS:?set STACKS to the stack names, separated by spaces}"
PARALLEL=${PARALLEL:-4}
here=$(cd "$(dirname "$0")" && pwd)
codes=$(mktemp -d)
trap 'rm -rf "$codes"' EXIT
read -r -a stacks <<<"$STACKS"

# One stack's run, its lines prefixed with the stack name; its exit code goes to $codes/<stack>.
one() {
  local stack=$1 code=0
  PRODUCER_STACK=$stack CONSUMER_STACK=$stack LOCK_FILE="${LOCK_FILE:-/tmp/pulumi-tokens-rotation}-${stack//\//_}" \
    bash "$here/run.sh" 2>&1 | sed -u "s|^|[$stack] |" || code=${PIPESTATUS[0]}
  echo "$code" >"$codes/${stack//\//_}"
}

running=0
for stack in "${stacks[@]}"; do
  if [ "$running" -ge "$PARALLEL" ]; then
    wait -n
    running=$((running - 1))
  fi
  one "$stack" &
  running=$((running + 1))
done
wait

failed=0 worst=0
for stack in "${stacks[@]}"; do
  code=$(cat "$codes/${stack//\//_}")
  if [ "$code" != 0 ]; then
    failed=$((failed + 1))
    printf 'rotate-tokens: %s failed (exit %s)\n' "$stack" "$code" >&2
    [ "$code" -le "$worst" ] || worst=$code
  fi
done
printf 'rotate-tokens: %s stacks: %s done, %s failed\n' "${#stacks[@]}" $((${#stacks[@]} - failed)) "$failed" >&2
exit "$worst"
