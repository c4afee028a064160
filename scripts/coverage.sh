#!/usr/bin/env bash
# make test-cov-report: every test of `make test` under cargo-llvm-cov (the emulators'
# endpoints in the environment), then the coverage gate of coverage.toml.
#   HTML: target/llvm-cov/html/index.html   JSON summary: target/llvm-cov/coverage.json
# Exits non-zero when a test fails or a figure is below its threshold (the report and
# the table are written either way).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"

ignore="$(python3 scripts/coverage-gate.py ignore-regex)"
# No run's counters in another's figures.
"$CARGO" llvm-cov clean --workspace

tests=0
if "$CARGO" nextest --version >/dev/null 2>&1; then
  "$CARGO" llvm-cov nextest --workspace --no-fail-fast --no-report || tests=$?
else
  "$CARGO" llvm-cov test --workspace --no-fail-fast --no-report || tests=$?
fi

"$CARGO" llvm-cov report --html --ignore-filename-regex "$ignore"
"$CARGO" llvm-cov report --json --summary-only --ignore-filename-regex "$ignore" \
  --output-path target/llvm-cov/coverage.json
echo
gate=0
python3 scripts/coverage-gate.py report target/llvm-cov/coverage.json || gate=$?

if [ "$tests" != 0 ]; then
  echo "coverage: some tests failed (exit $tests); the figures above miss what they did not run" >&2
  exit "$tests"
fi
exit "$gate"
