#!/usr/bin/env bash
# Runs every test: the Rust unit and integration tests, then the end-to-end
# tests that drive the installed kernel through real Jupyter clients.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/install/prepare.sh"

echo "==> cargo test (release profile, shared with the build above)"
cargo test --release --locked --workspace --manifest-path "$ROOT/Cargo.toml"

echo "==> end-to-end tests through jupyter_client"
cd "$ROOT"
"$ROOT/.venv/bin/python" -m pytest tests -q
