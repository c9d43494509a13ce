#!/usr/bin/env bash
# The main job: build VNetOS, install its kernelspec into .venv, and run the
# getting-started notebook, printing what its cells printed. The executed
# notebook is written to notebooks/out/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/install/prepare.sh"

echo "==> running notebooks/01-first-network.ipynb"
"$ROOT/.venv/bin/python" "$ROOT/install/run_notebook.py" "$ROOT/notebooks/01-first-network.ipynb" \
    "$ROOT/notebooks/out/01-first-network.ipynb"
