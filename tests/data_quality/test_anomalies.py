"""Anomaly checks: Deequ's strategies judge a check's value against its series in earlier
runs (``metrics_history``). A series of 48 hourly runs with a planted drop in ``Size`` and a
planted jump in a feature's completeness; Deequ run directly is the oracle."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.contract.custom_checks import parse_check_file
from monitor_job.data_quality.anomaly import anomalous
from monitor_job.errors import EXIT_OK
from tests.datasets import json_capture_lines, write_csv, write_lines

START = datetime(2024, 3, 1, tzinfo=timezone.utc)
HOURS = 48
DROP, JUMP = 47, 30  # the planted points: Size halves in the last run; completeness falls
CHECKS = """version: 1
checks:
  - {name: traffic, rule: hasSize, anomaly: {strategy: RelativeRateOfChange, maxRateDecrease: 0.5}}
  - {name: x_complete, rule: hasCompleteness, column: x, anomaly: {strategy: OnlineNormal}}
"""


def series() -> tuple[list[int], list[float]]:
    rng = np.random.default_rng(4)
    sizes = [int(v) for v in rng.integers(950, 1050, HOURS)]
    sizes[DROP] = sizes[DROP - 1] // 2 - 20
    completeness = [round(float(v), 3) for v in rng.uniform(0.94, 0.96, HOURS)]
    completeness[JUMP] = 0.6
    return sizes, completeness


def millis(hour: int) -> int:
    return int((START + timedelta(hours=hour + 1)).timestamp() * 1000)


def deequ_flags(spark, strategy: Any, values: list[float], first: int = 1) -> set[int]:
    """The points Deequ's ``AnomalyDetector`` flags, each judged against the points before
    it (``detectAnomaliesInHistory`` over the series up to it, searching from its time), the
    strategy built by PyDeequ."""
    jvm = spark.sparkContext._jvm
    pkg = jvm.com.amazon.deequ.anomalydetection
    strategy._set_jvm(jvm)
    detector = pkg.AnomalyDetector(strategy._anomaly_jvm)
    points = jvm.java.util.ArrayList()
    for i, v in enumerate(values):
        points.add(pkg.DataPoint(millis(i), jvm.scala.Option.apply(float(v))))
    flagged = set()
    for i in range(first, len(values)):
        seq = jvm.scala.collection.JavaConverters.asScalaBuffer(points.subList(0, i + 1)).toSeq()
        found = detector.detectAnomaliesInHistory(seq, jvm.scala.Tuple2(millis(i), 2**62))
        if not found.anomalies().isEmpty():
            flagged.add(i)
    return flagged


def my_flags(spark, text: str, values: list[float]) -> set[int]:
    check = parse_check_file(text).checks[0]
    assert check.anomaly is not None
    history = [(millis(i), v) for i, v in enumerate(values)]
    return {
        i for i in range(1, len(values)) if anomalous(spark, check.anomaly, history[:i], history[i])
    }


def one(anomaly: str) -> str:
    return f"version: 1\nchecks:\n  - {{name: m, rule: hasSize, anomaly: {anomaly}}}\n"


def test_each_strategy_flags_exactly_the_points_deequ_flags(spark) -> None:
    os.environ.setdefault("SPARK_VERSION", "3.5")
    from pydeequ import anomaly_detection as A

    sizes, completeness = series()
    size_values = [float(v) for v in sizes]
    cases = [
        ("{strategy: RelativeRateOfChange, maxRateDecrease: 0.5}",
         A.RelativeRateOfChangeStrategy(maxRateDecrease=0.5), size_values),
        ("{strategy: AbsoluteChange, maxRateDecrease: -0.1, maxRateIncrease: 0.1}",
         A.AbsoluteChangeStrategy(maxRateDecrease=-0.1, maxRateIncrease=0.1), completeness),
        ("{strategy: OnlineNormal}", A.OnlineNormalStrategy(), completeness),
        ("{strategy: OnlineNormal, lowerDeviationFactor: 2.0, ignoreAnomalies: false}",
         A.OnlineNormalStrategy(lowerDeviationFactor=2.0, ignoreAnomalies=False), size_values),
        ("{strategy: SimpleThreshold, lowerBound: 0.9, upperBound: 1.0}",
         A.SimpleThresholdStrategy(0.9, 1.0), completeness),
        ("{strategy: BatchNormal}", A.BatchNormalStrategy(), size_values),
    ]  # fmt: skip
    for text, oracle, values in cases:
        flags = my_flags(spark, one(text), values)
        assert flags == deequ_flags(spark, oracle, values), text
    # the planted points are among them
    assert DROP in my_flags(spark, one(cases[0][0]), size_values)
    assert JUMP in my_flags(spark, one(cases[2][0]), completeness)


def test_holt_winters_takes_deequs_hourly_interval(spark) -> None:
    """Deequ's HoltWinters with ``MetricInterval.Hourly`` (PyDeequ's enum lacks it): two
    daily seasons of history, then the next hour judged as Deequ judges it."""
    sizes, _ = series()
    values = [float(v) for v in sizes[:DROP]] + [float(np.mean(sizes[:DROP]))]
    values = [*values, values[-1] * 3]  # 49 points: 48 of history, one spike
    text = one("{strategy: HoltWinters, metricsInterval: Hourly, seasonality: Daily}")
    check = parse_check_file(text).checks[0]
    assert check.anomaly is not None
    history = [(millis(i), v) for i, v in enumerate(values)]
    jvm = spark.sparkContext._jvm
    seasonal = jvm.com.amazon.deequ.anomalydetection.seasonal
    interval = getattr(getattr(seasonal, "HoltWinters$MetricInterval$"), "MODULE$").Hourly()
    season = getattr(getattr(seasonal, "HoltWinters$SeriesSeasonality$"), "MODULE$").Daily()

    class Direct:  # the oracle's strategy, built here rather than by the job
        def _set_jvm(self, _jvm: Any) -> None:
            self._anomaly_jvm = seasonal.HoltWinters(interval, season)

    expected = deequ_flags(spark, Direct(), values, first=48)
    assert (48 in expected) == anomalous(spark, check.anomaly, history[:48], history[48])
    assert 48 in expected


def _statistics(template: dict[str, Any], size: int, complete: float) -> dict[str, Any]:
    doc = json.loads(json.dumps(template))
    doc["dataset"]["item_count"] = size
    for f in doc["features"]:
        stats = f.get("numerical_statistics") or f.get("string_statistics")
        present = round(size * complete) if f["name"] == "x" else size
        stats["common"] = {"num_present": present, "num_missing": size - present}
    return doc


def window_rows(size: int, complete: float, rng: np.random.Generator) -> pd.DataFrame:
    x = np.round(rng.normal(size=size), 3).astype(object)
    x[: size - round(size * complete)] = None
    return pd.DataFrame({"label": rng.integers(0, 2, size), "x": x, "y": rng.normal(size=size)})


@pytest.fixture(scope="module")
def history_run(spark, tmp_path_factory) -> dict[str, Any]:
    """47 earlier runs (ours with a summary on even hours, SageMaker's files only on odd
    ones), then a real run of the 48th hour with the planted drop."""
    root = tmp_path_factory.mktemp("anomalies")
    rng = np.random.default_rng(8)
    sizes, completeness = series()
    base = root / "base"
    write_csv(window_rows(500, 0.95, rng), root / "train.csv")
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--output", str(base)]) == 0
    template = json.loads((base / "statistics.json").read_text())
    history = root / "history"
    for i in range(HOURS - 1):
        start = START + timedelta(hours=i)
        path = history / (start + timedelta(hours=1)).strftime("ep/AllTraffic/%Y/%m/%d/%H")
        path.mkdir(parents=True)
        stats = _statistics(template, sizes[i], completeness[i])
        (path / "statistics.json").write_text(json.dumps(stats))
        (path / "constraint_violations.json").write_text('{"violations": []}')
        if i % 2 == 0:
            summary = {
                "job": "monitoring",
                "window": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                },
                "custom_checks": {
                    "traffic": {"value": float(sizes[i])},
                    "x_complete": {"value": completeness[i]},
                },
            }
            (path / "monitor-job-summary.json").write_text(json.dumps(summary))
    last = START + timedelta(hours=HOURS - 1)
    when = (last + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = window_rows(sizes[DROP], completeness[DROP], rng)
    write_lines(json_capture_lines(frame, when), root / "capture" / "c.jsonl")
    (root / "checks.yaml").write_text(CHECKS)
    out = root / "out"
    code = main(
        [
            "monitor",
            "--dataset",
            str(root / "capture"),
            "--output",
            str(out),
            "--baseline-statistics",
            str(base / "statistics.json"),
            "--baseline-constraints",
            str(base / "constraints.json"),
            "--checks",
            str(root / "checks.yaml"),
            "--metrics-history",
            str(history),
            "--start",
            last.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--end",
            (last + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ]
    )
    assert code == EXIT_OK
    return {"out": out, "sizes": sizes, "completeness": completeness}


def _deequ_says_size_is_anomalous(spark, sizes: list[int]) -> bool:
    """Deequ's own ``VerificationSuite`` anomaly check on the last run's rows, its metrics
    repository holding the earlier runs' ``Size``."""
    from pydeequ.analyzers import Size
    from pydeequ.anomaly_detection import RelativeRateOfChangeStrategy
    from pydeequ.repository import InMemoryMetricsRepository, ResultKey
    from pydeequ.verification import VerificationResult, VerificationSuite

    jvm = spark.sparkContext._jvm
    deequ = jvm.com.amazon.deequ
    repository = InMemoryMetricsRepository(spark)
    none = jvm.scala.Option.empty()
    for i, size in enumerate(sizes[:-1]):
        metric = deequ.metrics.DoubleMetric(
            deequ.metrics.Entity.Dataset(), "Size", "*", jvm.scala.util.Success(float(size)), none
        )
        empty = getattr(getattr(jvm.scala.collection.immutable, "Map$"), "MODULE$").empty()
        metrics = empty.updated(deequ.analyzers.Size(none), metric)
        key = ResultKey(spark, millis(i), {})
        repository.repository.save(key.resultKey, deequ.analyzers.runners.AnalyzerContext(metrics))
    data = spark.range(sizes[-1])
    result = (
        VerificationSuite(spark)
        .onData(data)
        .useRepository(repository)
        .addAnomalyCheck(RelativeRateOfChangeStrategy(maxRateDecrease=0.5), Size())
        .run()
    )
    rows = VerificationResult.checkResultsAsDataFrame(spark, result).collect()
    return rows[0]["check_status"] != "Success"


def test_a_run_flags_the_planted_drop_against_its_history(spark, history_run) -> None:
    out: Path = history_run["out"]
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    traffic, complete = summary["custom_checks"]["traffic"], summary["custom_checks"]["x_complete"]
    # the series read: summaries on even hours, statistics.json on odd ones
    assert [h["value"] for h in traffic["history"]] == [float(s) for s in history_run["sizes"][:-1]]
    assert [h["value"] for h in complete["history"]] == pytest.approx(
        history_run["completeness"][:-1], abs=1e-3
    )
    assert traffic["value"] == history_run["sizes"][DROP]
    assert traffic["status"] == "failed" and complete["status"] == "passed"
    assert _deequ_says_size_is_anomalous(spark, history_run["sizes"])
    violations = json.loads((out / "constraint_violations.json").read_text())["violations"]
    anomalies = [v for v in violations if v["constraint_check_type"] == "anomaly_check"]
    assert len(anomalies) == 1 and anomalies[0]["feature_name"] == "*"
    assert anomalies[0]["description"].startswith(
        f"traffic: Value: {float(history_run['sizes'][DROP])!r} does not meet the constraint"
    )
    assert "RelativeRateOfChange(maxRateDecrease=0.5, order=1)" in anomalies[0]["description"]
    report = (out / "report.html").read_text()
    assert 'data-check="traffic" data-status="failed"' in report
    assert report.count("<svg") >= 2  # the two series are drawn


def test_the_history_is_the_runs_before_this_window(tmp_path) -> None:
    """A rerun of this run's own window (its earlier output under the same prefix) is not
    its history; a history that cannot be listed is a note, not a failure."""
    from monitor_job.data_quality.anomaly import read_history

    checks = parse_check_file(CHECKS)
    for hour in range(4):  # hour 3 is this run's window, written by an earlier attempt
        start = START + timedelta(hours=hour)
        path = tmp_path / (start + timedelta(hours=1)).strftime("ep/AllTraffic/%Y/%m/%d/%H")
        path.mkdir(parents=True)
        (path / "statistics.json").write_text(
            json.dumps({"version": 0.0, "dataset": {"item_count": 100 + hour}, "features": []})
        )
        (path / "constraint_violations.json").write_text('{"violations": []}')
    series, notes = read_history(checks, str(tmp_path), START + timedelta(hours=3))
    assert [v for _, v in series["traffic"]] == [100.0, 101.0, 102.0]
    assert series["x_complete"] == []  # no feature x in those statistics: no value
    assert notes[0].endswith("3 earlier run(s)")
    series, notes = read_history(checks, str(tmp_path / "nowhere"), None)
    assert series == {"traffic": [], "x_complete": []}
    assert "nowhere" in notes[0]
