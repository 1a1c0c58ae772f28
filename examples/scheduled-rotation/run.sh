#!/usr/bin/env bash
# Scheduled token rotation for any CI or scheduler (cron, systemd timer, Kubernetes CronJob, GitLab CI…).
#
# One run: (1) drift check on the producer stack: `pulumi preview --diff --expect-no-changes` fails exactly
# when some token is due, and its log names each due token and why; (2) only then `pulumi up` on the
# producer, followed by a drift check that must pass; (3) the consumer stack, always after the producer.
# Runs on one host never overlap (flock). Runs on different hosts meet at the stack lock of the state
# backend: the one that finds a stack locked waits for the lock, then starts over from the drift check, which
# then finds nothing due. A lock older than STALE_LOCK_SECONDS was left by a killed run: it is removed
# (`pulumi cancel`) and the run goes on; the next `up` revokes what the killed run had issued.
#
# Settings (environment):
#   PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE  the state backend and the stacks' passphrase (required)
#   PRODUCER_DIR, PRODUCER_STACK                  the project that issues the tokens and its stack
#   CONSUMER_DIR, CONSUMER_STACK                  the project that reads them through a StackReference
#                                                 (CONSUMER_DIR empty: no consumer step)
#   LOCK_FILE                                     default /tmp/pulumi-tokens-rotation-<producer stack>.lock
#   LOCK_WAIT_SECONDS                             how long to wait for another run's stack lock (default 900)
#   LOCK_RETRY_SECONDS                            pause between tries, plus up to as much again (default 20)
#   STALE_LOCK_SECONDS                            a lock this old was left by a killed run (default 7200;
#                                                 keep it above the longest run: the job's timeout)
#   ALERT_WEBHOOK_URL                             optional: POSTed {"text": …} when the run fails
#
# Exit codes: 0 done, or another run on this host holds LOCK_FILE; 1 a step failed; 3 a stack stayed locked
# by another run for LOCK_WAIT_SECONDS; 4 the state backend could not be reached. Every non-zero exit alerts.
set -euo pipefail

: "${PULUMI_BACKEND_URL:?set PULUMI_BACKEND_URL to the state backend}"
: "${PULUMI_CONFIG_PASSPHRASE:?set PULUMI_CONFIG_PASSPHRASE to the passphrase of the stacks}"
PRODUCER_DIR=${PRODUCER_DIR:-examples/netbird-personal-access-token}
PRODUCER_STACK=${PRODUCER_STACK:-prod}
CONSUMER_DIR=${CONSUMER_DIR-examples/consumer}
CONSUMER_STACK=${CONSUMER_STACK:-prod}
LOCK_FILE=${LOCK_FILE:-/tmp/pulumi-tokens-rotation-${PRODUCER_STACK//\//_}.lock}
LOCK_WAIT_SECONDS=${LOCK_WAIT_SECONDS:-900}
LOCK_RETRY_SECONDS=${LOCK_RETRY_SECONDS:-20}
STALE_LOCK_SECONDS=${STALE_LOCK_SECONDS:-7200}
export PULUMI_SKIP_UPDATE_CHECK=true

log() { printf 'rotate-tokens: %s\n' "$*" >&2; }

alert() {
  local text="pulumi-tokens rotation failed for $PRODUCER_STACK / $CONSUMER_STACK: $1"
  log "$text"
  if [ -n "${ALERT_WEBHOOK_URL:-}" ]; then
    local json
    json=$(printf '%s' "$text" | sed 's/\\/\\\\/g; s/"/\\"/g')
    curl -fsS -X POST -H 'content-type: application/json' --data "{\"text\": \"$json\"}" "$ALERT_WEBHOOK_URL" \
      >/dev/null || log "the alert webhook failed too"
  fi
}

# The backend URL without its query or credentials, for messages.
backend=${PULUMI_BACKEND_URL%%\?*}
backend=${backend/\/\/*@/\/\/}

# No overlap on this host: a second run while one is going exits at once (the running one does the work).
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another run holds $LOCK_FILE; nothing to do"
  exit 0
fi

output=$(mktemp)
trap 'rm -f "$output"' EXIT
failed_step="" # set by step() when it fails: what failed, and $output holds what pulumi printed

# Runs pulumi, showing its output and keeping it in $output; returns pulumi's exit code.
run_pulumi() {
  local code=0
  pulumi "$@" --non-interactive 2>&1 | tee "$output" || code=${PIPESTATUS[0]}
  return "$code"
}

step() {
  local what=$1
  shift
  log "$what: pulumi $*"
  run_pulumi "$@" || {
    failed_step=$what
    return 1
  }
}

# The newest "created by … at <time>" of the locks the last command reported, as seconds since the epoch.
newest_lock() {
  sed -n 's/.*: created by .* (pid [0-9]*) at \([0-9T:Z+-]*\)$/\1/p' "$output" |
    while read -r created; do date -d "$created" +%s; done | sort -n | tail -n 1
}

# Which stack the failed step ran on (its --cwd and --stack).
failed_cwd() { case $failed_step in consumer) echo "$CONSUMER_DIR" ;; *) echo "$PRODUCER_DIR" ;; esac }
failed_stack() { case $failed_step in consumer) echo "$CONSUMER_STACK" ;; *) echo "$PRODUCER_STACK" ;; esac }

# One pass of the sequence; returns non-zero with $failed_step set when a step failed.
rotate_once() {
  log "drift check: pulumi preview --cwd $PRODUCER_DIR --stack $PRODUCER_STACK --diff --expect-no-changes"
  if run_pulumi preview --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --diff --expect-no-changes; then
    log "nothing due"
  elif grep -q 'no changes were expected for preview but changes were proposed' "$output"; then
    log "tokens due (see the pulumi-tokens: lines above): rotating"
    # --skip-preview: the drift check was the preview; a second one would run diff again, on a later clock.
    step "rotate (producer)" up --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --yes --skip-preview || return 1
    step "drift check after the rotation" preview --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --diff --expect-no-changes || return 1
  else
    failed_step="drift check"
    return 1
  fi
  # After the producer, every run: a no-op when nothing changed, and it catches up after a failed run.
  if [ -n "$CONSUMER_DIR" ]; then
    step "consumer" up --cwd "$CONSUMER_DIR" --stack "$CONSUMER_STACK" --yes --skip-preview || return 1
  fi
}

started=$SECONDS
until rotate_once; do
  # Locked: another run holds the stack. A 409 on writing a lock object: a gateway that keeps keys as folders
  # (versitygw's posix backend) was removing the folder for another run's unlock at that moment.
  if grep -qE 'the stack is currently locked by|\.pulumi/locks/.*StatusCode: 409' "$output"; then
    created=$(newest_lock)
    age=$(($(date +%s) - ${created:-$(date +%s)}))
    if [ -n "$created" ] && [ "$age" -ge "$STALE_LOCK_SECONDS" ]; then
      log "$failed_step: stack $(failed_stack) has a lock ${age}s old (STALE_LOCK_SECONDS=$STALE_LOCK_SECONDS): a killed run left it; removing it (pulumi cancel) and starting over"
      if ! pulumi cancel --cwd "$(failed_cwd)" --stack "$(failed_stack)" --yes --non-interactive; then
        alert "removing the stale lock of $(failed_stack) failed"
        exit 1
      fi
      continue
    fi
    if [ $((SECONDS - started)) -ge "$LOCK_WAIT_SECONDS" ]; then
      alert "$failed_step: stack $(failed_stack) is still locked by another run after ${LOCK_WAIT_SECONDS}s (lock ${age}s old). If no run is going, a killed run left it: run \`pulumi cancel --stack $(failed_stack) --yes\` in $(failed_cwd), then this job again"
      exit 3
    fi
    pause=$((LOCK_RETRY_SECONDS + RANDOM % (LOCK_RETRY_SECONDS + 1)))
    log "$failed_step: stack $(failed_stack) is locked by another run (lock ${age}s old); waiting ${pause}s, then starting over from the drift check"
    sleep "$pause"
  elif grep -qE 'dial tcp .*(connection refused|i/o timeout|no such host)|RequestError: send request failed' "$output"; then
    alert "$failed_step: the state backend $backend could not be reached"
    exit 4
  else
    alert "$failed_step failed"
    exit 1
  fi
done
log "done"
