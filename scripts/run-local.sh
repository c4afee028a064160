#!/usr/bin/env bash
# `make run`: the whole system on this machine, in one command.
# Installs what is missing, starts DynamoDB Local and moto, builds and starts the local
# runtime (API on 127.0.0.1:3000 by default, BANK_API_PORT to change it), and stops
# everything on Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v cargo >/dev/null 2>&1 || { echo "run: 'cargo' not found: install Rust (https://rustup.rs) and retry." >&2; exit 1; }
port="${BANK_API_PORT:-3000}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run: 127.0.0.1:$port is already in use (another 'make run'?): stop it or set BANK_API_PORT." >&2
  exit 1
fi

started=$SECONDS
echo "run: building the local runtime (first run compiles the AWS SDK: a few minutes)..." >&2
cargo build --quiet -p local-runtime --bin bank-local
echo "run: runtime built (+$((SECONDS - started))s); starting the emulators..." >&2
exec scripts/with-emulators.sh target/debug/bank-local
