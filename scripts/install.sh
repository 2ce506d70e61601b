#!/usr/bin/env bash
# The install steps of the container image, shared with `make setup` (and so with CI):
# the Deequ jar (checksum-verified) into JAR_DIR, the package into PYTHON's env, then the
# job's JVM aggregates compiled against that env's PySpark into JAR_DIR.
#
#   scripts/install.sh PYTHON JAR_DIR PIP_ARGS...
#   image:  scripts/install.sh python /opt/monitor-job/jars /src
#   setup:  scripts/install.sh .venv/bin/python .deequ -e '.[test]'
#
# DEEQU_SEED_DIR may name a directory already holding the verified jar (copied, not fetched).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PY="$1"; JAR_DIR="$2"; shift 2
if [ -n "${DEEQU_SEED_DIR:-}" ] && [ -d "$DEEQU_SEED_DIR" ] && [ ! -e "$JAR_DIR" ]; then
  mkdir -p "$JAR_DIR" && cp "$DEEQU_SEED_DIR"/deequ-*.jar "$JAR_DIR"/
fi
bash "$here/install-deequ.sh" "$JAR_DIR"
"$PY" -m pip install -q --disable-pip-version-check "$@"
bash "$here/build-jvm.sh" "$PY" "$JAR_DIR"
# The installed program must start and find its jar the way the image will run it.
MONITOR_JOB_DEEQU_JAR="$(ls "$JAR_DIR"/deequ-*.jar | head -n1)" \
  "$PY" -c "from monitor_job.runtime.spark import find_jars; import monitor_job, pyspark; print('install: monitor-job', monitor_job.__version__, 'pyspark', pyspark.__version__, 'jars', find_jars())"
