#!/usr/bin/env bash
# make bench: see scripts/bench.py (BENCH_ARGS="--sizes 100000 --big ..." to change sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/bench.py ${BENCH_ARGS:-}
