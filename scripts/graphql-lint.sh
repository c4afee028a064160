#!/usr/bin/env bash
# Lints the GraphQL schema (graphql/schema.graphql, with AppSync's prelude) with
# graphql-schema-linter (pinned, in .local/graphql-lint; the rules in
# graphql/graphql-schema-linterrc.json). Installs it on first use (npm).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.local/graphql-lint"
LINTER_VERSION="3.0.1"
GRAPHQL_VERSION="16.11.0"

installed() {
  [ -x "$DIR/node_modules/.bin/graphql-schema-linter" ] \
    && grep -q "\"version\": \"$LINTER_VERSION\"" "$DIR/node_modules/graphql-schema-linter/package.json" 2>/dev/null
}

if ! installed; then
  command -v npm >/dev/null 2>&1 || { echo "graphql-lint: npm is needed (e.g. 'apt-get install npm')" >&2; exit 1; }
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name":"bank-graphql-lint","private":true}' > "$DIR/package.json"
  echo "graphql-lint: installing graphql-schema-linter@$LINTER_VERSION (graphql@$GRAPHQL_VERSION)" >&2
  (cd "$DIR" && npm install --silent --no-audit --no-fund --save-exact \
    "graphql-schema-linter@$LINTER_VERSION" "graphql@$GRAPHQL_VERSION" >&2)
fi

cd "$ROOT"
"$DIR/node_modules/.bin/graphql-schema-linter" \
  --config-directory graphql \
  graphql/appsync-prelude.graphql graphql/schema.graphql
