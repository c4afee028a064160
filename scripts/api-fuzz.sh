#!/usr/bin/env bash
# Fuzzes the HTTP API against openapi.yaml with schemathesis (pinned, in .local/fuzz-venv):
# no 5xx, and every response must match the spec (documented status code, body schema,
# content type, declared headers). Then drives the GraphQL endpoint with an independent
# client, `gql` (pinned, same venv): scripts/graphql_client.py. Starts the emulators if they are not running (through
# scripts/with-emulators.sh), builds and starts the local runtime on a free loopback port,
# signs in as the seeded demo user, runs schemathesis with a fixed seed and a bounded
# number of examples, then stops what it started. Exits non-zero on any failure.
#
# usage: scripts/api-fuzz.sh [install|run]   (default: run)
#   install  idempotent: does nothing when the pinned schemathesis is already installed
#   run      the fuzzing run; FUZZ_SEED (default 20261125), FUZZ_MAX_EXAMPLES (default 100
#            per operation and phase) and FUZZ_WORKERS (default 1: with more, hypothesis
#            under CPython 3.11 can fail in ast.parse) tune it. The reports
#            (FUZZ_REPORTS, default junit,pytest: JUnit XML and the failing cases as a
#            pytest file; har for every exchange) are in .local/fuzz/report.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.local/fuzz-venv"
WORK="$ROOT/.local/fuzz"

SCHEMATHESIS_VERSION="4.32.5"
GQL_VERSION="4.4.0"
# Its dependencies (hypothesis above all: it draws the cases) are pinned there too.
CONSTRAINTS="$ROOT/scripts/api-fuzz-constraints.txt"

TOOL="api-fuzz"
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

up_to_date() {
  [ -x "$VENV/bin/st" ] && "$VENV/bin/python" - "$SCHEMATHESIS_VERSION" "$GQL_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
# gql's AppSync IAM auth signs with botocore and posts with aiohttp: both must be there.
version("botocore"), version("aiohttp")
sys.exit(0 if version("schemathesis") == sys.argv[1] and version("gql") == sys.argv[2] else 1)
PY
}

install() {
  if up_to_date; then return 0; fi
  local py; py="$(python_bin 10 "schemathesis needs it")"
  "$py" -c 'import venv, ensurepip' 2>/dev/null \
    || die "Python's venv module (with ensurepip) is missing: install python3-venv and retry."
  log "installing schemathesis==$SCHEMATHESIS_VERSION and gql==$GQL_VERSION into .local/fuzz-venv"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$CONSTRAINTS" "schemathesis==$SCHEMATHESIS_VERSION" "gql[requests,aiohttp,botocore]==$GQL_VERSION" >&2
  up_to_date || die "installed, but schemathesis or gql is not the pinned version"
}

runtime_pid=""
stop_runtime() {
  [ -n "$runtime_pid" ] || return 0
  if kill -0 "$runtime_pid" 2>/dev/null; then
    kill -INT "$runtime_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "$runtime_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$runtime_pid" 2>/dev/null || true
  fi
  wait "$runtime_pid" 2>/dev/null || true
  runtime_pid=""
}

# A field of a JSON document on stdin: json_field KEY [KEY...] (nested).
json_field() {
  "$VENV/bin/python" -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]:
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value)' "$@"
}

run() {
  install
  # The runtime needs the emulators: start them (and stop them afterwards) unless they run.
  if [ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ] || [ -z "${BANK_MOTO_ENDPOINT:-}" ]; then
    exec "$ROOT/scripts/with-emulators.sh" "$0" run
  fi
  command -v cargo >/dev/null 2>&1 || die "'cargo' not found: install Rust (https://rustup.rs) and retry."
  command -v curl >/dev/null 2>&1 || die "'curl' not found: install curl and retry."

  local started=$SECONDS
  log "building the local runtime..."
  cargo build --quiet -p local-runtime --bin bank-local
  local bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/bank-local"
  [ -x "$bin" ] || die "built, but $bin is missing"

  mkdir -p "$WORK"
  rm -rf "$WORK/report" "$WORK/stack.json"
  trap stop_runtime EXIT
  trap 'exit 130' INT TERM
  # Port 0: the runtime binds a free loopback port and writes its URL to the stack file.
  BANK_API_PORT=0 BANK_STACK_FILE="$WORK/stack.json" RUST_LOG="${RUST_LOG:-warn}" \
    "$bin" >"$WORK/bank-local.log" 2>&1 </dev/null &
  runtime_pid=$!
  local i
  for ((i = 0; i < 1200; i++)); do
    [ -s "$WORK/stack.json" ] && break
    kill -0 "$runtime_pid" 2>/dev/null || { tail -20 "$WORK/bank-local.log" >&2; die "bank-local exited during start-up (log: .local/fuzz/bank-local.log)"; }
    sleep 0.1
  done
  [ -s "$WORK/stack.json" ] || die "bank-local was not ready within 120s (log: .local/fuzz/bank-local.log)"

  local api username password account login token
  api="$(json_field apiUrl <"$WORK/stack.json")"
  username="$(json_field demoUser username <"$WORK/stack.json")"
  password="$(json_field demoUser password <"$WORK/stack.json")"
  account="$(json_field demoUser accountId <"$WORK/stack.json")"
  login="$(USERNAME="$username" PASSWORD="$password" "$VENV/bin/python" -c \
    'import json, os; print(json.dumps({"username": os.environ["USERNAME"], "password": os.environ["PASSWORD"]}))')"
  token="$(curl -sf -X POST "$api/auth/login" -H 'Content-Type: application/json' --data-binary @- <<<"$login" \
    | json_field idToken)" || die "could not sign in as the demo user at $api/auth/login"
  log "runtime on $api (ready in $((SECONDS - started))s); fuzzing..."

  # The token goes to schemathesis through the environment, not its command line.
  # FUZZ_ACCOUNT_ID lets the config file aim path parameters at the demo account.
  local status=0
  FUZZ_TOKEN="$token" FUZZ_ACCOUNT_ID="$account" \
    "$VENV/bin/st" --config-file "$ROOT/scripts/api-fuzz.toml" run openapi.yaml \
      --url "$api" \
      --checks all \
      --seed "${FUZZ_SEED:-20261125}" \
      --max-examples "${FUZZ_MAX_EXAMPLES:-100}" \
      --workers "${FUZZ_WORKERS:-1}" \
      --generation-database none \
      --no-color \
      --report "${FUZZ_REPORTS:-junit,pytest}" --report-dir "$WORK/report" \
    || status=$?
  if [ "$status" -ne 0 ]; then
    stop_runtime
    log "schemathesis found failures (exit $status); report in .local/fuzz/report, runtime log in .local/fuzz/bank-local.log"
    exit "$status"
  fi
  log "GraphQL through an independent client (gql)..."
  "$VENV/bin/python" "$ROOT/scripts/graphql_client.py" "$WORK/stack.json" || status=$?
  stop_runtime
  if [ "$status" -ne 0 ]; then
    log "the GraphQL client check failed (exit $status); runtime log in .local/fuzz/bank-local.log"
    exit "$status"
  fi
  log "no failures ($((SECONDS - started))s in all)"
}

case "${1:-run}" in
  install) install ;;
  run) run ;;
  *) echo "usage: $0 [install|run]" >&2; exit 2 ;;
esac
