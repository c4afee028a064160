#!/usr/bin/env bash
# Runs scripts/events_client.mjs, the independent AppSync Events client of the
# tests (aws-amplify's `events` API, pinned, in .local/events-client), under
# Node. Installs it on first use or when a pinned version changed (npm).
#   scripts/events-client.sh subscribe|publish [flags]   (see events_client.mjs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.local/events-client"
AMPLIFY_VERSION="6.22.1"
WS_VERSION="8.23.0" # Node 20 has no globalThis.WebSocket unflagged; Amplify needs one

installed() {
  grep -q "\"version\": \"$AMPLIFY_VERSION\"" "$DIR/node_modules/aws-amplify/package.json" 2>/dev/null \
    && grep -q "\"version\": \"$WS_VERSION\"" "$DIR/node_modules/ws/package.json" 2>/dev/null
}

if ! installed; then
  command -v npm >/dev/null 2>&1 || { echo "events-client: npm is needed (e.g. 'apt-get install npm')" >&2; exit 1; }
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name":"bank-events-client","private":true,"type":"module"}' > "$DIR/package.json"
  echo "events-client: installing aws-amplify@$AMPLIFY_VERSION (ws@$WS_VERSION)" >&2
  (cd "$DIR" && npm install --silent --no-audit --no-fund --save-exact \
    "aws-amplify@$AMPLIFY_VERSION" "ws@$WS_VERSION" >&2)
fi

command -v node >/dev/null 2>&1 || { echo "events-client: node is needed (e.g. 'apt-get install nodejs')" >&2; exit 1; }
# The client lives in scripts/ but its packages in $DIR: NODE_PATH does not apply
# to ES module imports, so the client resolves them from EVENTS_CLIENT_MODULES.
EVENTS_CLIENT_MODULES="$DIR/node_modules" exec node "$ROOT/scripts/events_client.mjs" "$@"
