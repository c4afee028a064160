#!/usr/bin/env bash
# Runs a command with the local emulators up and their endpoints exported.
# Starts them if they are not running and stops them afterwards only if it started them.
#   usage: scripts/with-emulators.sh COMMAND [ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EMU="$ROOT/scripts/emulators.sh"

started=0
# (Read the status first: `status | grep -q` under pipefail fails on SIGPIPE.)
status="$("$EMU" status 2>/dev/null || true)"
if [[ "$status" != *"dynamodb: running"* || "$status" != *"moto: running"* || ! -f "$ROOT/.local/emulators.env" ]]; then
  "$EMU" start >/dev/null
  started=1
else
  "$EMU" start >/dev/null # already running: brings an older .local/emulators.env up to date
fi
cleanup() { if [ "$started" = 1 ]; then "$EMU" stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT INT TERM

# shellcheck disable=SC1091
source "$ROOT/.local/emulators.env"
"$@"
