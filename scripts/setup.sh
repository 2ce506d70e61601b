#!/usr/bin/env bash
# Idempotent developer/CI setup: .venv with the package + test extras, and the Deequ jar.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -s .deequ/deequ-2.1.0-spark-3.5.jar ]; then
  .venv/bin/pip install -q --upgrade pip
  # The same install steps as the container image (Dockerfile), editable + test extras here.
  bash scripts/install.sh .venv/bin/python .deequ -e '.[test]'
  touch "$stamp"
fi
bash scripts/install-deequ.sh >/dev/null
bash scripts/build-jvm.sh .venv/bin/python .deequ >/dev/null
if ! command -v java >/dev/null 2>&1; then
  echo "setup: java not found; install a JDK 17 (Debian: apt-get install -y openjdk-17-jre-headless)" >&2
  exit 1
fi
