#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check monitor_job tests scripts preprocessors
.venv/bin/ruff format --check monitor_job tests scripts preprocessors
.venv/bin/mypy
