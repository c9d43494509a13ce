#!/usr/bin/env bash
# Builds the vnetos binary, creates the project-local Python environment
# .venv with the packages of tests/requirements.txt, and installs the
# kernelspec into it. Sourced by install/start.sh and tests/run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

echo "==> building vnetos (release)"
cargo build --release --locked --manifest-path "$ROOT/Cargo.toml"

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    python3 -m venv "$VENV"
fi
echo "==> installing Python packages from tests/requirements.txt"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/tests/requirements.txt"

echo "==> installing the vnetos kernelspec into $VENV"
"$ROOT/target/release/vnetos" install --prefix "$VENV"
