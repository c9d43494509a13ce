#!/usr/bin/env bash
# Runs the runtime benchmark and its peers (Node.js worker_threads, Python
# multiprocessing with fork) in one go and prints their summary lines, the
# figures BENCHMARKS.md quotes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
cargo bench --locked -p vnet --bench runtime 2>&1 | tee /tmp/vnet-bench.log | grep -E "^summary|time:|^[a-z_0-9/]+ +time" || true
node vnet/benches/peers/worker_threads.js
python3 vnet/benches/peers/mp_fork.py
