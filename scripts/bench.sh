#!/usr/bin/env bash
# make bench: see scripts/bench.py (BENCH_ARGS="--sizes 100000 --big ..." to change sizes),
# then the model-quality baselines (scripts/bench_model_quality.py, MQ_BENCH_ARGS), the bias
# analysis (scripts/bench_bias.py), explainability (scripts/bench_explain.py) and report.html
# (scripts/bench_report.py), rollups (scripts/bench_rollup.py) and a month of runs rolled
# up against memory (scripts/bench_rollup_memory.py, ROLLUP_MEMORY_ARGS), and the data-quality
# profile on a standalone cluster of small executors (scripts/bench_cluster.py,
# CLUSTER_BENCH_ARGS), every monitor type's spread over tasks from Spark's event log
# (scripts/bench_spread.py, SPREAD_BENCH_ARGS), the S3 requests of Spark's file index
# against the job's own (scripts/bench_s3_requests.py), and a batch transform's capture
# read through its manifests against the same records as plain CSV (scripts/bench_batch.py,
# BATCH_BENCH_ARGS), and custom checks against the run without them (scripts/bench_checks.py,
# CHECKS_BENCH_ARGS).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/bench.py ${BENCH_ARGS:-}
echo
echo "== model quality"
.venv/bin/python scripts/bench_model_quality.py ${MQ_BENCH_ARGS:-}
echo
echo "== bias"
.venv/bin/python scripts/bench_bias.py ${BIAS_BENCH_ARGS:-}
echo
echo "== explainability"
.venv/bin/python scripts/bench_explain.py ${EXPLAIN_BENCH_ARGS:-} 2>/dev/null
echo
echo "== report.html of a 100-feature monitoring run"
.venv/bin/python scripts/bench_report.py ${REPORT_BENCH_ARGS:-} 2>/dev/null
echo
echo "== a day by rollup of 24 hourly runs against the direct day"
.venv/bin/python scripts/bench_rollup.py ${ROLLUP_BENCH_ARGS:-} 2>/dev/null
echo
echo "== a month of hourly runs rolled up: memory against the number of runs"
.venv/bin/python scripts/bench_rollup_memory.py ${ROLLUP_MEMORY_ARGS:-} 2>/dev/null
echo
echo "== the profile on a standalone cluster: levels, a lost worker, one worker against two"
.venv/bin/python scripts/bench_cluster.py ${CLUSTER_BENCH_ARGS:-}
echo
echo "== every monitor type's spread over tasks (Spark's event log, spark-submit on local[2])"
.venv/bin/python scripts/bench_spread.py ${SPREAD_BENCH_ARGS:-}
echo
echo "== S3 requests of the input's file index: Spark's own per read, the job's per run"
.venv/bin/python scripts/bench_s3_requests.py 2>/dev/null
echo
echo "== batch transform: the same records through a capture destination's manifests and as plain CSV"
.venv/bin/python scripts/bench_batch.py ${BATCH_BENCH_ARGS:-} 2>/dev/null
echo
echo "== custom checks: ten scan-shared, and two grouping, against the run without them"
.venv/bin/python scripts/bench_checks.py ${CHECKS_BENCH_ARGS:-} 2>/dev/null
