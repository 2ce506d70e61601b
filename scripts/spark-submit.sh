#!/usr/bin/env bash
# Submit monitor-job to any Spark cluster manager (standalone, YARN/EMR, Kubernetes):
#
#   scripts/spark-submit.sh [spark-submit options] -- [monitor-job arguments]
#   scripts/spark-submit.sh --master spark://host:7077 -- run --config configs/demo-monitor.yaml
#
# Ships the package (and pydeequ, both pure Python) as build/monitor-job.zip with --py-files
# and the Deequ jar and the job's aggregates (monitor-job-jvm.jar) with --jars;
# scripts/spark_main.py is the primary file. No monitor-job
# arguments: container mode (environment contract). Nodes need Python 3.10+ with pandas,
# pyarrow, numpy, boto3 and pyyaml (EMR: a bootstrap action), and Spark 3.5.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$here/.venv/bin/python}"
SUBMIT="${SPARK_SUBMIT:-$(command -v spark-submit || echo "$here/.venv/bin/spark-submit")}"
JAR="${MONITOR_JOB_DEEQU_JAR:-$here/.deequ/deequ-2.1.0-spark-3.5.jar}"
JVM_JAR="$(dirname "$JAR")/monitor-job-jvm.jar"
ZIP="${MONITOR_JOB_PYFILES:-$here/build/monitor-job.zip}"

spark_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do spark_args+=("$1"); shift; done
[ $# -gt 0 ] && shift  # the --

[ -f "$JAR" ] || { echo "spark-submit.sh: Deequ jar $JAR missing (make setup)" >&2; exit 2; }
[ -f "$JVM_JAR" ] || { echo "spark-submit.sh: $JVM_JAR missing (make setup)" >&2; exit 2; }
# S3A for clusters (executors on other hosts read s3:// input themselves); local mode
# stages S3 input on its own disk and need not copy the 280 MB SDK bundle to its executor.
jars="$JAR,$JVM_JAR"
master=local
for ((i = 0; i < ${#spark_args[@]}; i++)); do
  case "${spark_args[$i]}" in
    --master) master="${spark_args[$((i + 1))]:-local}" ;;
    --master=*) master="${spark_args[$i]#--master=}" ;;
  esac
done
s3a_jars="$(dirname "$JAR")/hadoop-aws-3.3.4.jar,$(dirname "$JAR")/aws-java-sdk-bundle-1.12.262.jar"
if [ "${master#local}" = "$master" ] && [ -f "${s3a_jars%%,*}" ] && [ -f "${s3a_jars##*,}" ]; then
  jars="$jars,$s3a_jars"
fi
"$PY" "$here/scripts/build-pyfiles.py" "$ZIP" >/dev/null
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$PY}"
exec "$SUBMIT" --jars "$jars" --py-files "$ZIP" "${spark_args[@]}" \
  "$here/scripts/spark_main.py" "$@"
