"""Every row-level stage of a model-quality run spreads over the cluster (issue 36): read
from Spark's event log of a run through ``scripts/spark-submit.sh`` on ``local[2]``, no
stage that reads the input or a shuffle of records puts more than 60% of them through one
task. The exact AUC's running sums were one task over every distinct score
(``Window.orderBy`` without a partition); they are now a range-partitioned sort with
offsets, as Spark MLlib's ``BinaryClassificationMetrics`` computes them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from tests.eventlog import Stage, read_log, skewed, stages

REPO = Path(__file__).resolve().parents[2]
ROWS = 40_000


def test_the_skew_helper_finds_a_single_task_stage() -> None:
    def end(stage: int, records: int) -> str:
        metrics = {"Input Metrics": {"Records Read": records}}
        return json.dumps(
            {"Event": "SparkListenerTaskEnd", "Stage ID": stage, "Stage Attempt ID": 0,
             "Task Metrics": metrics}
        )  # fmt: skip

    found = stages([end(1, 900), end(1, 100), end(2, 5000), end(2, 5000), end(3, 3)])
    assert [s.busiest_share for s in found] == [0.9, 0.5, 1.0]
    assert skewed(found, rows=1000) == [Stage(1, 0, (900, 100))]  # stage 3: 3 records


def test_a_binary_baseline_with_distinct_scores_spreads(tmp_path) -> None:
    rng = np.random.default_rng(1)
    probability = rng.uniform(size=ROWS).round(9)  # distinct scores: the AUC's worst case
    frame = pd.DataFrame(
        {
            "label": (rng.uniform(size=ROWS) < probability).astype(int),
            "prediction": (probability > 0.5).astype(int),
            "probability": probability,
        }
    )
    data = tmp_path / "data"
    data.mkdir()
    for part in range(8):  # eight input files
        frame.iloc[part::8].to_csv(data / f"part-{part}.csv", index=False)
    events = tmp_path / "events"
    events.mkdir()
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "spark-submit.sh"), "--master", "local[2]",
         "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=file://{events}",
         # at this size adaptive execution would put each small shuffle in one task on
         # purpose; without it the plan's own spread is what is measured
         "--conf", "spark.sql.adaptive.coalescePartitions.enabled=false",
         "--", "baseline", "--dataset", str(data), "--format", "csv", "--header",
         "--problem-type", "BinaryClassification", "--inference-attribute", "prediction",
         "--probability-attribute", "probability", "--ground-truth-attribute", "label",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = read_log(events)
    row_level = [s for s in found if s.records >= ROWS // 2]
    assert len(row_level) >= 4  # the input, the grouped scores, the sort, the running sums
    assert skewed(found, ROWS) == [], found
    auc = json.loads((tmp_path / "out" / "statistics.json").read_text())
    from sklearn.metrics import roc_auc_score

    got = auc["binary_classification_metrics"]["auc"]["value"]
    assert abs(got - roc_auc_score(frame["label"], frame["probability"])) < 1e-12
