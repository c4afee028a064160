# Shared by the project's scripts: set TOOL (the prefix of messages) before sourcing.
# shellcheck shell=bash

die() { echo "$TOOL: $*" >&2; exit 1; }
log() { echo "$TOOL: $*" >&2; }

# A Python 3 interpreter of at least version 3.MINOR, or a one-line error naming `why`.
#   python_bin MINOR [WHY]
python_bin() {
  local minor="$1" why="${2:-}" py
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "import sys; sys.exit(0 if sys.version_info >= (3, $minor) else 1)" 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  die "Python 3.$minor or newer not found${why:+ ($why)}: install python3 (with venv and pip) and retry."
}
