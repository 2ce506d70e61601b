#!/usr/bin/env bash
# Compile the job's JVM aggregates (monitor_job/jvm/src) against the installed PySpark's
# jars into JAR_DIR/monitor-job-jvm.jar, beside the Deequ jar (idempotent: rebuilt only
# when a source is newer than the jar). Needs a JDK (javac); the image installs one for
# the build and removes it after.
#
#   scripts/build-jvm.sh PYTHON JAR_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY="$1"; JAR_DIR="$2"
SRC="$here/monitor_job/jvm/src"
JAR="$JAR_DIR/monitor-job-jvm.jar"
if [ -s "$JAR" ] && [ -z "$(find "$SRC" -name '*.java' -newer "$JAR" | head -n1)" ]; then
  echo "jvm: $JAR up to date"
  exit 0
fi
command -v javac >/dev/null 2>&1 || {
  echo "jvm: javac not found; install a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)" >&2
  exit 1
}
jars="$("$PY" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')"
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
mkdir -p "$JAR_DIR"
# Deequ's jar too: the job's analyzers are Deequ analyzers.
deequ="$(ls "$JAR_DIR"/deequ-*.jar | head -n1)"
javac --release 11 -Xlint:all,-path,-serial -Werror -nowarn -cp "$jars/*:$deequ" -d "$classes" \
  $(find "$SRC" -name '*.java' | sort)
jar cf "$JAR.part" -C "$classes" .
mv "$JAR.part" "$JAR"
echo "jvm: built $JAR"
