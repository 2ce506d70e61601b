#!/usr/bin/env bash
# make demo: generate sample data (if missing), build a baseline from the training CSV,
# then monitor two hours of captured traffic against it and print the violations; then the
# same for model quality (labelled baseline, one captured hour merged with ground truth).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export MONITOR_JOB_LOG_LEVEL="${MONITOR_JOB_LOG_LEVEL:-WARNING}"
[ -f demo-data/.version-5 ] || {
  rm -rf demo-data
  "$PY" scripts/make_sample_data.py --out demo-data
  touch demo-data/.version-5
}
echo "== baseline on demo-data/baseline/training.csv"
"$PY" -m monitor_job run --config configs/demo-baseline.yaml
echo
echo "== monitoring window 2024-03-01T11:00Z..12:00Z (steady traffic)"
"$PY" -m monitor_job run --config configs/demo-monitor.yaml
echo
echo "== monitoring window 2024-03-01T12:00Z..13:00Z (drifted traffic)"
"$PY" -m monitor_job run --config configs/demo-monitor-drift.yaml
echo
echo "== model quality: baseline on demo-data/mq-baseline/validation-predictions.csv"
"$PY" -m monitor_job run --config configs/demo-mq-baseline.yaml
echo
echo "== model quality: window 2024-03-01T12:00Z..13:00Z merged with its ground truth (degraded model)"
"$PY" -m monitor_job run --config configs/demo-mq-monitor.yaml
echo
echo "== bias: baseline analysis.json of demo-data/bias/baseline (labels and the model's predictions)"
"$PY" -m monitor_job bias --dataset demo-data/bias/baseline \
  --analysis-config configs/demo-bias-analysis_config.json --output demo-output/bias-baseline
echo
echo "== bias drift: window 11h (unbiased), then 12h (the model now turns down 40% of women's approvals)"
for hour in 11 12; do
  "$PY" -m monitor_job bias --dataset "demo-data/bias/window-${hour}h" \
    --analysis-config configs/demo-bias-analysis_config.json \
    --baseline-analysis demo-output/bias-baseline/analysis.json \
    --endpoint demo-endpoint --schedule demo-bias-schedule --output "demo-output/bias-${hour}h" \
    | grep -v "^pre \|^post "
  echo
done
echo "== bias drift from captured traffic: hour 12's requests and predictions merged with the labels sent later"
"$PY" -m monitor_job bias --format capture --dataset demo-data/bias/capture \
  --ground-truth demo-data/bias/ground-truth --inference-attribute 0 \
  --start 2024-03-01T12:00:00Z --end 2024-03-01T13:00:00Z \
  --analysis-config configs/demo-bias-capture-analysis_config.json \
  --baseline-analysis demo-output/bias-baseline/analysis.json \
  --endpoint demo-endpoint --schedule demo-bias-schedule --output demo-output/bias-capture-12h \
  | grep -v "^pre \|^post "
echo
echo "== history: drift and completeness of every data-quality monitoring window above"
"$PY" -m monitor_job report --history demo-output/monitor- --output demo-output/history
echo
echo "Metrics for CloudWatch: demo-output/{monitor,mq-monitor,bias}-*/metrics/cloudwatch/cloudwatch_metrics.jsonl"
echo "Reports (open in a browser; no network needed):"
for report in demo-output/*/report.html; do
  echo "  file://$PWD/$report"
done
