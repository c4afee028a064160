#!/usr/bin/env bash
# Installs the deployment tool chain (pinned) into .local/tools-venv, apart from moto's
# venv (.local/venv) so their Python dependencies cannot clash:
#   - AWS SAM CLI         sam validate --lint, sam build (rust-cargolambda), sam deploy
#   - cfn-lint            CloudFormation linter (also run on the SAM-transformed template)
#   - cfn-lint-serverless serverless rules for cfn-lint (event source mappings, DLQs, ...)
#   - cargo-lambda        the builder SAM's rust-cargolambda method shells out to
# All of them work offline once installed; none needs an AWS account or Docker.
#
# usage: scripts/sam-tools.sh install|check|path|env|transform TEMPLATE OUTPUT|
#          same-resources TEMPLATE TEMPLATE ID...|build [ARCH]|deploy ENV
#   install    idempotent: does nothing when the pinned versions are already present
#   check      exits 1 (with a message) unless the pinned versions are installed
#   path       prints the venv's bin directory (prepend it to PATH)
#   env        prints shell exports for offline use (tools on PATH, a default region,
#              telemetry off): eval "$(scripts/sam-tools.sh env)"
#   transform  writes the CloudFormation that the SAM transform makes of TEMPLATE, offline
#              (what `sam validate --debug` prints), for cfn-lint: linting the SAM source
#              alone never looks inside event properties, which become plain resources
#              (e.g. AWS::Lambda::EventSourceMapping) only after the transform.
#   same-resources  fails unless the named resources are identical in two templates
#   build      sam build for arm64, x86_64 or auto (arm64 if the aarch64 std library is
#              installed, else x86_64 with a message); prints each binary's size
#   deploy     builds for the architecture samconfig.toml deploys to ENV (failing rather
#              than shipping the wrong one), then sam deploy --config-env ENV
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.local/tools-venv"

# Pinned versions (DESIGN.md section 8: SAM CLI 1.170 and cargo-lambda 1.9.2 work offline).
SAM_CLI_VERSION="1.170.0"
CFN_LINT_VERSION="1.58.0"
CFN_LINT_SERVERLESS_VERSION="0.3.6"
CARGO_LAMBDA_VERSION="1.9.2"

TOOL=sam-tools
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

# The installed versions, one "name==version" a line, from the venv's metadata.
installed() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
from importlib.metadata import version, PackageNotFoundError
for name in ("aws-sam-cli", "cfn-lint", "cfn-lint-serverless", "cargo-lambda"):
    try:
        print(f"{name}=={version(name)}")
    except PackageNotFoundError:
        print(f"{name}==missing")
PY
}

wanted() {
  printf '%s\n' \
    "aws-sam-cli==$SAM_CLI_VERSION" \
    "cfn-lint==$CFN_LINT_VERSION" \
    "cfn-lint-serverless==$CFN_LINT_SERVERLESS_VERSION" \
    "cargo-lambda==$CARGO_LAMBDA_VERSION"
}

up_to_date() {
  [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/sam" ] && [ -x "$VENV/bin/cfn-lint" ] \
    && [ -x "$VENV/bin/cargo-lambda" ] && [ "$(installed)" = "$(wanted)" ]
}

install() {
  if up_to_date; then return 0; fi
  local py; py="$(python_bin 10 "AWS SAM CLI needs it")"
  "$py" -c 'import venv, ensurepip' 2>/dev/null \
    || die "Python's venv module (with ensurepip) is missing: install python3-venv and retry."
  log "installing $(wanted | tr '\n' ' ')into .local/tools-venv"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  # shellcheck disable=SC2046
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $(wanted) >&2
  up_to_date || die "installed, but the versions differ from the pins: $(installed | tr '\n' ' ')"
}

check() {
  up_to_date || die "the deployment tools are missing or not the pinned versions: run 'scripts/sam-tools.sh install'."
}

env_exports() {
  # The tools first on PATH (sam finds cargo-lambda there), a default region for the
  # offline commands (validate and build make no AWS call), no telemetry. Credentials
  # are left alone: `sam deploy` needs the real ones.
  cat <<ENV
export PATH="$VENV/bin:\$PATH"
export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="\${AWS_REGION:-\${AWS_DEFAULT_REGION}}"
export SAM_CLI_TELEMETRY=0
ENV
}

transform() {
  local template="${1:?usage: $0 transform TEMPLATE OUTPUT}" output="${2:?usage: $0 transform TEMPLATE OUTPUT}"
  check
  mkdir -p "$(dirname "$output")"
  AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0 \
    "$VENV/bin/python" - "$template" "$output" <<'PY'
import logging
import sys

# The translator warns about its own feature toggles, which are not ours to set.
logging.getLogger("samtranslator.feature_toggle").setLevel(logging.ERROR)

from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_dump, yaml_parse


class OfflinePolicyLoader:
    """The transform asks IAM for managed policy ARNs only for policies named by a
    bare name; this template names none, so the loader must never be called."""

    def load(self):
        raise SystemExit("sam-tools: the template names a managed policy by name; use its ARN (the transform runs offline)")


template_path, output_path = sys.argv[1], sys.argv[2]
with open(template_path, encoding="utf-8") as f:
    source = f.read()
template = yaml_parse(source)
translated = yaml_parse(SamTemplateValidator(template, OfflinePolicyLoader()).get_translated_template_if_valid())

# SAM keeps a function's Metadata on the AWS::Lambda::Function it generates, but not on
# the other resources it generates from it (event source mappings, permissions, ...),
# whose logical ids start with the function's. Carry the function's justified cfn-lint
# suppressions over to those, so that one comment in template.yml covers them.
declared = set(yaml_parse(source)["Resources"])
for sam_id, sam_resource in yaml_parse(source)["Resources"].items():
    suppressions = (sam_resource.get("Metadata") or {}).get("cfn-lint")
    if not suppressions or not str(sam_resource.get("Type", "")).startswith("AWS::Serverless::"):
        continue
    for cfn_id, cfn_resource in translated["Resources"].items():
        if cfn_id != sam_id and cfn_id.startswith(sam_id) and cfn_id not in declared:
            cfn_resource.setdefault("Metadata", {}).setdefault("cfn-lint", suppressions)

with open(output_path, "w", encoding="utf-8") as f:
    f.write(yaml_dump(translated))
PY
}

# --- build and deploy -------------------------------------------------------------

BUILD_DIR="$ROOT/.aws-sam/build"
AARCH64_TARGET="aarch64-unknown-linux-gnu"

has_aarch64_std() {
  local sysroot
  sysroot="$(rustc --print sysroot 2>/dev/null)" || return 1
  [ -d "$sysroot/lib/rustlib/$AARCH64_TARGET/lib" ]
}

# The Architecture an environment deploys: its samconfig.toml parameter_overrides, else
# the template's default (arm64).
deploy_architecture() {
  "$VENV/bin/python" - "$ROOT/samconfig.toml" "$1" <<'PY'
import shlex, sys

import tomlkit  # a SAM CLI dependency (tomllib needs Python 3.11)

path, env = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    config = tomlkit.parse(f.read()).unwrap()
if env not in config:
    sys.exit(f"sam-tools: samconfig.toml has no [{env}] environment (dev, test, prod)")
overrides = config[env].get("deploy", {}).get("parameters", {}).get("parameter_overrides", [])
if isinstance(overrides, str):
    overrides = shlex.split(overrides)
values = dict(item.split("=", 1) for item in overrides if "=" in item)
print(values.get("Architecture", "arm64"))
PY
}

# sam build (rust-cargolambda through the pinned cargo-lambda), offline. ARCH: arm64,
# x86_64, or auto (arm64 when the aarch64 standard library is installed, else x86_64).
build() {
  local arch="${1:-auto}"
  check
  command -v cargo >/dev/null 2>&1 || die "'cargo' not found: install Rust (https://rustup.rs) and retry."
  if [ "$arch" = auto ]; then
    if has_aarch64_std; then
      arch=arm64
    else
      arch=x86_64
      log "the $AARCH64_TARGET standard library is not installed: building x86_64 (Architecture=x86_64)."
      log "arm64 is what samconfig.toml deploys; for it run 'rustup target add $AARCH64_TARGET' (needs network)."
    fi
  fi
  case "$arch" in
    arm64) has_aarch64_std || die "building arm64 needs the $AARCH64_TARGET standard library: run 'rustup target add $AARCH64_TARGET' (needs network), or use x86_64 (make build ARCH=x86_64; to deploy it, Architecture=x86_64 in the environment's samconfig.toml parameter_overrides)." ;;
    x86_64) ;;
    *) die "unknown architecture '$arch' (arm64 or x86_64)" ;;
  esac
  log "sam build, Architecture=$arch"
  local started=$SECONDS
  rm -f "$BUILD_DIR/architecture"
  (cd "$ROOT" && env PATH="$VENV/bin:$PATH" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0 \
    "$VENV/bin/sam" build --parameter-overrides "Architecture=$arch")
  echo "$arch" > "$BUILD_DIR/architecture"
  log "built in $((SECONDS - started))s for $arch:"
  local dir name size zipped
  for dir in "$BUILD_DIR"/*/; do
    [ -f "$dir/bootstrap" ] || continue
    name="$(basename "$dir")"
    size="$(wc -c < "$dir/bootstrap")"
    zipped="$("$VENV/bin/python" -c 'import io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[1], "bootstrap")
print(len(b.getvalue()))' "$dir/bootstrap")"
    printf '  %-30s bootstrap %6d KiB, zipped %6d KiB\n' "$name" $((size / 1024)) $((zipped / 1024)) >&2
  done
}

# Builds for the architecture the environment deploys, then sam deploy --config-env ENV.
deploy() {
  local env="${1:?usage: $0 deploy dev|test|prod}" arch
  check
  arch="$(deploy_architecture "$env")"
  build "$arch"
  (cd "$ROOT" && env PATH="$VENV/bin:$PATH" SAM_CLI_TELEMETRY=0 \
    "$VENV/bin/sam" deploy --config-env "$env" --template-file "$BUILD_DIR/template.yaml")
}

# Fails unless the named resources are identical in two templates (cognito-template.yml
# repeats template.yml's Cognito resources; this keeps the copies from drifting).
same_resources() {
  local first="${1:?usage: $0 same-resources TEMPLATE TEMPLATE ID...}" second="${2:?usage: $0 same-resources TEMPLATE TEMPLATE ID...}"
  shift 2
  check
  "$VENV/bin/python" - "$first" "$second" "$@" <<'PY'
import sys

from samcli.yamlhelper import yaml_parse

first, second, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(first, encoding="utf-8") as f:
    a = yaml_parse(f.read())["Resources"]
with open(second, encoding="utf-8") as f:
    b = yaml_parse(f.read())["Resources"]
differ = [i for i in ids if i not in a or i not in b or a[i] != b[i]]
if differ:
    sys.exit(f"sam-tools: {', '.join(differ)} differ between {first} and {second}: keep the copies identical")
print(f"{', '.join(ids)}: identical in {first} and {second}")
PY
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  path) echo "$VENV/bin" ;;
  env) env_exports ;;
  transform) shift; transform "$@" ;;
  same-resources) shift; same_resources "$@" ;;
  build) shift; build "$@" ;;
  deploy) shift; deploy "$@" ;;
  *) echo "usage: $0 install|check|path|env|transform TEMPLATE OUTPUT|same-resources TEMPLATE TEMPLATE ID...|build [arm64|x86_64|auto]|deploy dev|test|prod" >&2; exit 2 ;;
esac
