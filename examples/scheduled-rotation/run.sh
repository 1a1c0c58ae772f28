#!/usr/bin/env bash
# Scheduled token rotation for any CI or scheduler (cron, systemd timer, Kubernetes CronJob, GitLab CI…).
#
# One run: (1) drift check on the producer stack: `pulumi preview --diff --expect-no-changes` fails exactly
# when some token is due, and its log names each due token and why; (2) only then `pulumi up` on the
# producer, followed by a drift check that must pass; (3) the consumer stack, always after the producer.
# Runs never overlap (flock); a failure runs the alert and exits non-zero.
#
# Settings (environment):
#   PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE  the state backend and the stacks' passphrase (required)
#   PRODUCER_DIR, PRODUCER_STACK                  the project that issues the tokens and its stack
#   CONSUMER_DIR, CONSUMER_STACK                  the project that reads them through a StackReference
#                                                 (CONSUMER_DIR empty: no consumer step)
#   LOCK_FILE                                     default /tmp/pulumi-tokens-rotation.lock
#   ALERT_WEBHOOK_URL                             optional: POSTed {"text": …} when the run fails
set -euo pipefail

: "${PULUMI_BACKEND_URL:?set PULUMI_BACKEND_URL to the state backend}"
: "${PULUMI_CONFIG_PASSPHRASE:?set PULUMI_CONFIG_PASSPHRASE to the passphrase of the stacks}"
PRODUCER_DIR=${PRODUCER_DIR:-examples/netbird-personal-access-token}
PRODUCER_STACK=${PRODUCER_STACK:-prod}
CONSUMER_DIR=${CONSUMER_DIR-examples/consumer}
CONSUMER_STACK=${CONSUMER_STACK:-prod}
LOCK_FILE=${LOCK_FILE:-/tmp/pulumi-tokens-rotation.lock}
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

step() {
  local what=$1
  shift
  log "$what: pulumi $*"
  if ! pulumi "$@" --non-interactive; then
    alert "$what failed"
    exit 1
  fi
}

# No overlap: a second run while one is going exits at once (the running one does the work).
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another run holds $LOCK_FILE; nothing to do"
  exit 0
fi

log "drift check: pulumi preview --cwd $PRODUCER_DIR --stack $PRODUCER_STACK --diff --expect-no-changes"
if pulumi preview --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --diff --expect-no-changes --non-interactive; then
  log "nothing due"
else
  log "tokens due (see the pulumi-tokens: lines above): rotating"
  # --skip-preview: the drift check was the preview; a second one would run diff again, on a later clock.
  step "rotate (producer)" up --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --yes --skip-preview
  step "drift check after the rotation" preview --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --diff --expect-no-changes
fi

# After the producer, every run: a no-op when nothing changed, and it catches up after a failed run.
if [ -n "$CONSUMER_DIR" ]; then
  step "consumer" up --cwd "$CONSUMER_DIR" --stack "$CONSUMER_STACK" --yes --skip-preview
fi
log "done"
