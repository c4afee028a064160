#!/usr/bin/env bash
# Drives the web console (web/console, served by the local runtime at /console/) in
# headless Chromium through scripts/web_console_test.mjs, as a person would: signs
# in, deposits, watches the balance change live, is refused an overdraft, and saves
# a screenshot. Installs what it needs on first use: Debian's chromium (as root, if
# /usr/bin/chromium is missing) and playwright-core (npm, pinned, in .local/).
#   scripts/web-console-test.sh --url http://127.0.0.1:PORT --username U --account ID \
#       [--screenshot docs/web-console.png] [--timeout-ms 60000]
#   (the password comes from WEB_CONSOLE_PASSWORD)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.local/web-console-test"
PLAYWRIGHT_VERSION="1.65.1"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TOOL=web-console-test
# shellcheck source=common.sh
. "$ROOT/scripts/common.sh"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium (apt-get install -y chromium)"
    { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } >&2 \
      || die "could not install chromium with apt-get"
  fi
  [ -x "$CHROMIUM" ] || die "Chromium is needed at $CHROMIUM: run 'apt-get install -y chromium' as root"
fi
command -v node >/dev/null 2>&1 || die "node is needed (e.g. 'apt-get install nodejs')"

installed() {
  grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$DIR/node_modules/playwright-core/package.json" 2>/dev/null
}
if ! installed; then
  command -v npm >/dev/null 2>&1 || die "npm is needed (e.g. 'apt-get install npm')"
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name":"bank-web-console-test","private":true,"type":"module"}' > "$DIR/package.json"
  log "installing playwright-core@$PLAYWRIGHT_VERSION (it uses the system's Chromium; it downloads no browser)"
  (cd "$DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund --save-exact \
    "playwright-core@$PLAYWRIGHT_VERSION" >&2) || die "npm could not install playwright-core@$PLAYWRIGHT_VERSION"
fi

# The test lives in scripts/ but its package in $DIR: ES module imports ignore
# NODE_PATH, so the test resolves it from WEB_CONSOLE_TEST_MODULES.
WEB_CONSOLE_TEST_MODULES="$DIR/node_modules" CHROMIUM="$CHROMIUM" \
  exec node "$ROOT/scripts/web_console_test.mjs" "$@"
