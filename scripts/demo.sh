#!/usr/bin/env bash
# make demo: generate sample data (if missing), build a baseline from the training CSV,
# then monitor two hours of captured traffic against it and print the violations; then the
# same for model quality (labelled baseline, one captured hour merged with ground truth).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export MONITOR_JOB_LOG_LEVEL="${MONITOR_JOB_LOG_LEVEL:-WARNING}"
[ -f demo-data/.version-8 ] || {
  rm -rf demo-data
  "$PY" scripts/make_sample_data.py --out demo-data
  touch demo-data/.version-8
}
echo "== baseline on demo-data/baseline/dataset.csv (the model's churn probability, then its inputs)"
"$PY" -m monitor_job run --config configs/demo-baseline.yaml
echo
echo "== monitoring window 2024-03-01T11:00Z..12:00Z (steady traffic)"
"$PY" -m monitor_job run --config configs/demo-monitor.yaml
"$PY" scripts/demo_verdict.py 11 demo-output/monitor-11h
echo
echo "== monitoring window 2024-03-01T12:00Z..13:00Z (drifted traffic)"
"$PY" -m monitor_job run --config configs/demo-monitor-drift.yaml
"$PY" scripts/demo_verdict.py 12 demo-output/monitor-12h
echo
echo "== model quality: baseline on demo-data/mq-baseline/validation-predictions.csv"
"$PY" -m monitor_job run --config configs/demo-mq-baseline.yaml
echo
echo "== model quality: window 2024-03-01T12:00Z..13:00Z merged with its ground truth (degraded model)"
"$PY" -m monitor_job run --config configs/demo-mq-monitor.yaml
echo
echo "== batch transform: last night's transform (started 02:05Z), each input row paired with its output,"
echo "   found through its capture destination's manifests, against the data-quality baseline"
"$PY" -m monitor_job run --config configs/demo-batch-monitor.yaml
echo
echo "== batch transform: its predictions merged with the labels that came back by 07:00Z (model quality)"
"$PY" -m monitor_job run --config configs/demo-batch-mq-monitor.yaml
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
echo "== explainability: a churn model trained on demo-data/explain/train.csv, served on loopback"
echo "   over the SageMaker inference container protocol (monitor-job serve-model)"
"$PY" scripts/train_demo_model.py --out demo-output/explain-model
"$PY" -m monitor_job serve-model --predict-script demo-output/explain-model/model.py --port 18080 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
"$PY" - <<'PING'
import time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:18080/ping", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("the demo model server did not start on port 18080")
PING
echo "== explainability: SHAP baseline (Kernel SHAP against the served model) of demo-data/explain/baseline"
"$PY" -m monitor_job explain --dataset demo-data/explain/baseline \
  --analysis-config configs/demo-explain-analysis_config.json --output demo-output/explain-baseline
echo
echo "== explainability drift: window 11h (steady), then 12h (a stuck upstream counter: calls always 2)"
for hour in 11 12; do
  "$PY" -m monitor_job explain --format capture --dataset demo-data/explain/capture \
    --start "2024-03-01T${hour}:00:00Z" --end "2024-03-01T$((hour + 1)):00:00Z" \
    --analysis-config configs/demo-explain-analysis_config.json \
    --baseline-analysis demo-output/explain-baseline/analysis.json \
    --endpoint demo-endpoint --schedule demo-explain-schedule --output "demo-output/explain-${hour}h"
  echo
done
kill "$server" 2>/dev/null || true
echo "== history: drift and completeness of every data-quality monitoring window above"
"$PY" -m monitor_job report --history demo-output/monitor- --output demo-output/history
echo
echo "Metrics for CloudWatch: demo-output/{monitor,mq-monitor,bias,explain}-*/metrics/cloudwatch/cloudwatch_metrics.jsonl"
echo "Reports (open in a browser; no network needed):"
for report in demo-output/*/report.html; do
  echo "  file://$PWD/$report"
done
