"""Model quality: metrics against scikit-learn, the ground-truth merge, violations, files.

Every job runs through the real entrypoint in container mode (env vars only) on a real
Spark session; expected values come from scikit-learn on the same rows.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from monitor_job.cli import main
from monitor_job.contract.config import KNOWN_KEYS
from monitor_job.errors import EXIT_BASELINE, EXIT_CONFIG, EXIT_EMPTY_INPUT, EXIT_INPUT, EXIT_OK
from monitor_job.model_quality.checks import violations
from monitor_job.model_quality.documents import QualityConstraint, camel
from monitor_job.model_quality.metrics import Metric, QualityResult
from tests.datasets import write_csv, write_lines

REL = 1e-9
WINDOW = {"start_time": "2024-03-01T10:00:00Z", "end_time": "2024-03-01T11:00:00Z"}
IN_WINDOW = "2024-03-01T10:{:02d}:{:02d}Z"


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-12)


def run_mq(monkeypatch: pytest.MonkeyPatch, tmp: Path, **env: str) -> tuple[int, str]:
    base = {
        "analysis_type": "MODEL_QUALITY",
        "output_message_file": str(tmp / "message"),
        "cloudwatch_metrics_directory": str(tmp / "cloudwatch"),
        "MONITOR_JOB_PROCESSING_CONFIG": str(tmp / "absent.json"),
    }
    for key in KNOWN_KEYS - set(env):  # each run sees only its own contract keys
        monkeypatch.delenv(key, raising=False)
    for key, value in {**base, **env}.items():
        monkeypatch.setenv(key, value)
    code = main([])
    message = (tmp / "message").read_text() if (tmp / "message").exists() else ""
    return code, message


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def capture(
    event_id: str, output: str, encoding: str, second: int, inference_id: str | None = None
) -> str:
    data = base64.b64encode(output.encode()).decode() if encoding == "BASE64" else output
    content = "application/json" if encoding == "JSON" else "text/csv"
    meta = {"eventId": event_id, "inferenceTime": IN_WINDOW.format(second // 60, second % 60)}
    if inference_id is not None:
        meta["inferenceId"] = inference_id
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": "1,2",
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": content,
                    "mode": "OUTPUT",
                    "data": data,
                    "encoding": encoding,
                },
            },
            "eventMetadata": meta,
            "eventVersion": "0",
        }
    )


def truth(event_id: str, label: str, encoding: str = "CSV") -> str:
    return json.dumps(
        {
            "groundTruthData": {"data": label, "encoding": encoding},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        }
    )


def hour(root: Path, prefix: str, h: int) -> Path:
    return root / prefix / "2024" / "03" / "01" / f"{h:02d}"


# --- regression ---------------------------------------------------------------------------


def regression_rows(n: int, noise: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.normal(50.0, 12.0, n).round(3)
    return pd.DataFrame(
        {"prediction": (label + rng.normal(0.0, noise, n)).round(4), "label": label}
    )


def test_regression_baseline_and_degraded_window(tmp_path, monkeypatch, spark) -> None:
    base = regression_rows(1200, noise=3.0, seed=1)
    write_csv(base, tmp_path / "train" / "train.csv")
    out = tmp_path / "baseline"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"csv": {"header": True, "output_columns_position": "START"}}),
        dataset_source=str(tmp_path / "train"),
        output_path=str(out),
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="label",
    )
    assert code == EXIT_OK, message
    stats = read(out / "statistics.json")
    assert stats["version"] == 0.0 and stats["dataset"]["item_count"] == 1200
    assert stats["dataset"]["evaluation_time"].endswith("Z")
    got = stats["regression_metrics"]
    y, p = base["label"], base["prediction"]
    expected = {
        "mae": skm.mean_absolute_error(y, p),
        "mse": skm.mean_squared_error(y, p),
        "rmse": math.sqrt(skm.mean_squared_error(y, p)),
        "r2": skm.r2_score(y, p),
    }
    assert list(got) == ["mae", "mse", "rmse", "r2"]
    for name, value in expected.items():
        assert close(got[name]["value"], value), (name, got[name]["value"], value)
        assert 0 < got[name]["standard_deviation"] < abs(value)  # 5 x 80% samples, >= 200 rows
    constraints = read(out / "constraints.json")["regression_constraints"]
    assert {k: v["comparison_operator"] for k, v in constraints.items()} == {
        "mae": "GreaterThanThreshold",
        "mse": "GreaterThanThreshold",
        "rmse": "GreaterThanThreshold",
        "r2": "LessThanThreshold",
    }
    assert all(close(constraints[k]["threshold"], expected[k]) for k in expected)

    # The window: captured CSV predictions (noisier model) and CSV ground truth, one hour.
    window = regression_rows(300, noise=9.0, seed=2)
    cap = [
        capture(f"ev-{i}", str(r.prediction), "CSV", i % 3600)
        for i, r in enumerate(window.itertuples())
    ]
    write_lines(cap, hour(tmp_path / "capture", "ep/AllTraffic", 10) / "a.jsonl")
    gt = [truth(f"ev-{i}", str(r.label)) for i, r in enumerate(window.itertuples())]
    write_lines(gt, hour(tmp_path / "gt", "", 10) / "labels.jsonl")
    mon = tmp_path / "monitor"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "capture"),
        ground_truth_source=str(tmp_path / "gt"),
        output_path=str(mon),
        baseline_constraints=str(out / "constraints.json"),
        problem_type="Regression",
        inference_attribute="0",
        sagemaker_endpoint_name="ep",
        sagemaker_monitoring_schedule_name="sched",
        **WINDOW,
    )
    assert message == "CompletedWithViolations: Job completed successfully with 4 violations."
    assert code == EXIT_OK
    window_metrics = read(mon / "statistics.json")["regression_metrics"]
    assert close(
        window_metrics["mae"]["value"], skm.mean_absolute_error(window.label, window.prediction)
    )
    assert close(window_metrics["r2"]["value"], skm.r2_score(window.label, window.prediction))
    found = read(mon / "constraint_violations.json")["violations"]
    assert {(v["metric_name"], v["constraint_check_type"]) for v in found} == {
        ("mae", "GreaterThanThreshold"),
        ("mse", "GreaterThanThreshold"),
        ("rmse", "GreaterThanThreshold"),
        ("r2", "LessThanThreshold"),
    }
    summary = read(mon / "monitor-job-summary.json")
    assert summary["merge"] == {
        "captured": 300,
        "ground_truth": 300,
        "matched": 300,
        "unmatched_capture": 0,
        "unmatched_ground_truth": 0,
        "duplicate_capture": 0,
        "duplicate_ground_truth": 0,
    }
    lines = [
        json.loads(x)
        for x in (tmp_path / "cloudwatch" / "cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    assert {x["MetricName"] for x in lines} == {"mae", "mse", "rmse", "r2"}
    assert lines[0]["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep"},
        {"Name": "MonitoringSchedule", "Value": "sched"},
    ]
    assert summary["cloudwatch"]["namespace"] == "aws/sagemaker/Endpoints/model-metrics"


# --- binary classification ----------------------------------------------------------------


def binary_rows(n: int, signal: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = (rng.uniform(size=n) < 0.3).astype(int)
    # Two decimals: many tied scores, which the exact AUC must handle as sklearn does.
    probability = np.clip(signal * label + rng.uniform(0.0, 1.0 - signal, n), 0, 1).round(2)
    prediction = (probability >= 0.5).astype(int)
    return pd.DataFrame({"probability": probability, "prediction": prediction, "label": label})


def sklearn_binary(frame: pd.DataFrame, score: pd.Series) -> dict[str, float]:
    y, p = frame["label"], frame["prediction"]
    tn, fp, fn, tp = skm.confusion_matrix(y, p, labels=[0, 1]).ravel()
    pos_rate = y.mean()
    const = np.ones_like(y)
    return {
        "recall": skm.recall_score(y, p),
        "precision": skm.precision_score(y, p),
        "accuracy": skm.accuracy_score(y, p),
        "recall_best_constant_classifier": skm.recall_score(y, const),
        "precision_best_constant_classifier": skm.precision_score(y, const),
        "accuracy_best_constant_classifier": pos_rate,
        "true_positive_rate": tp / (tp + fn),
        "true_negative_rate": tn / (tn + fp),
        "false_positive_rate": fp / (fp + tn),
        "false_negative_rate": fn / (fn + tp),
        "auc": skm.roc_auc_score(y, score),
        "f0_5": skm.fbeta_score(y, p, beta=0.5),
        "f1": skm.f1_score(y, p),
        "f2": skm.fbeta_score(y, p, beta=2),
        "f0_5_best_constant_classifier": skm.fbeta_score(y, const, beta=0.5),
        "f1_best_constant_classifier": skm.f1_score(y, const),
        "f2_best_constant_classifier": skm.fbeta_score(y, const, beta=2),
    }


def test_binary_baseline_and_degraded_window(tmp_path, monkeypatch, spark) -> None:
    base = binary_rows(1500, signal=0.45, seed=3)
    write_csv(base, tmp_path / "train.csv")
    out = tmp_path / "baseline"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"csv": {"header": True}}),
        dataset_source=str(tmp_path / "train.csv"),
        output_path=str(out),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        ground_truth_attribute="label",
    )
    assert code == EXIT_OK, message
    got = read(out / "statistics.json")["binary_classification_metrics"]
    expected = sklearn_binary(base, base["probability"])
    for name, value in expected.items():
        assert close(got[name]["value"], value), (name, got[name]["value"], value)
    tn, fp, fn, tp = skm.confusion_matrix(base.label, base.prediction).ravel()
    assert got["confusion_matrix"] == {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    # Key order as SageMaker documents it; curves start at the origin and end at (1, 1).
    assert list(got)[:4] == ["confusion_matrix", "recall", "precision", "accuracy"]
    assert list(got)[11:14] == [
        "receiver_operating_characteristic_curve",
        "precision_recall_curve",
        "auc",
    ]
    roc = got["receiver_operating_characteristic_curve"]
    assert roc["false_positive_rates"][0] == 0 and roc["false_positive_rates"][-1] == 1
    assert roc["true_positive_rates"][-1] == 1
    assert close(
        np.trapezoid(roc["true_positive_rates"], roc["false_positive_rates"]), expected["auc"]
    )
    constraints = read(out / "constraints.json")["binary_classification_constraints"]
    assert set(constraints) == {
        "recall",
        "precision",
        "accuracy",
        "true_positive_rate",
        "true_negative_rate",
        "false_positive_rate",
        "false_negative_rate",
        "auc",
        "f0_5",
        "f1",
        "f2",
    }

    # Window: JSON outputs {"score": p}, probability only (prediction = score >= 0.5),
    # labels as JSON; the model has lost most of its signal.
    window = binary_rows(400, signal=0.1, seed=4)
    window["prediction"] = (window["probability"] >= 0.5).astype(int)
    cap = [
        capture(f"ev-{i}", json.dumps({"score": r.probability}), "JSON", i * 7)
        for i, r in enumerate(window.itertuples())
    ]
    write_lines(cap, hour(tmp_path / "capture", "ep/AllTraffic", 10) / "a.jsonl")
    gt = [
        truth(f"ev-{i}", json.dumps({"label": int(r.label)}), "JSON")
        for i, r in enumerate(window.itertuples())
    ]
    write_lines(gt, hour(tmp_path / "gt", "", 10) / "labels.jsonl")
    mon = tmp_path / "monitor"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "capture"),
        ground_truth_source=str(tmp_path / "gt"),
        output_path=str(mon),
        baseline_constraints=str(out / "constraints.json"),
        problem_type="BinaryClassification",
        probability_attribute="score",
        probability_threshold_attribute="0.5",
        ground_truth_attribute="label",
        **WINDOW,
    )
    assert code == EXIT_OK, message
    window_got = read(mon / "statistics.json")["binary_classification_metrics"]
    window_expected = sklearn_binary(window, window["probability"])
    for name, value in window_expected.items():
        assert close(window_got[name]["value"], value), (name, window_got[name]["value"], value)
    # Expected violations: every constraint the sklearn values cross.
    crossed = {
        name
        for name, c in constraints.items()
        if (
            c["comparison_operator"] == "LessThanThreshold"
            and window_expected[name] < c["threshold"]
        )
        or (
            c["comparison_operator"] == "GreaterThanThreshold"
            and window_expected[name] > c["threshold"]
        )
    }
    assert {"auc", "f1", "recall", "false_negative_rate"} <= crossed  # the degradation is real
    found = read(mon / "constraint_violations.json")["violations"]
    assert {v["metric_name"] for v in found} == {camel(n) for n in crossed}
    assert (
        message
        == f"CompletedWithViolations: Job completed successfully with {len(crossed)} violations."
    )
    auc = next(v for v in found if v["metric_name"] == "auc")
    assert auc["description"].startswith(f"Metric auc with {window_got['auc']['value']!r} +/- ")
    assert auc["description"].endswith(
        f"was LessThanThreshold '{constraints['auc']['threshold']!r}'"
    )


# --- multiclass ---------------------------------------------------------------------------


def multiclass_rows(n: int, accuracy: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.choice(["bird", "cat", "dog"], n, p=[0.2, 0.5, 0.3])
    noise = rng.choice(["bird", "cat", "dog", "fish"], n)
    prediction = np.where(rng.uniform(size=n) < accuracy, label, noise)
    return pd.DataFrame({"label": label, "prediction": prediction})


def sklearn_multiclass(frame: pd.DataFrame) -> dict[str, float]:
    y, p = frame["label"], frame["prediction"]
    out = {
        "accuracy": skm.accuracy_score(y, p),
        "weighted_recall": skm.recall_score(y, p, average="weighted", zero_division=0),
        "weighted_precision": skm.precision_score(y, p, average="weighted", zero_division=0),
    }
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[f"weighted_{name}"] = skm.fbeta_score(
            y, p, beta=beta, average="weighted", zero_division=0
        )
    const = np.full(len(y), y.value_counts().idxmax())
    out["accuracy_best_constant_classifier"] = skm.accuracy_score(y, const)
    out["weighted_precision_best_constant_classifier"] = skm.precision_score(
        y, const, average="weighted", zero_division=0
    )
    out["weighted_f1_best_constant_classifier"] = skm.f1_score(
        y, const, average="weighted", zero_division=0
    )
    return out


def test_multiclass_baseline_and_merged_window(tmp_path, monkeypatch, spark) -> None:
    base = multiclass_rows(1000, accuracy=0.8, seed=5)
    src = tmp_path / "train.jsonl"
    base.to_json(src, orient="records", lines=True)
    out = tmp_path / "baseline"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"json": {"lines": True}}),
        dataset_source=str(src),
        output_path=str(out),
        problem_type="MulticlassClassification",
        inference_attribute="prediction",
        ground_truth_attribute="label",
    )
    assert code == EXIT_OK, message
    got = read(out / "statistics.json")["multiclass_classification_metrics"]
    for name, value in sklearn_multiclass(base).items():
        assert close(got[name]["value"], value), (name, got[name]["value"], value)
    labels = ["bird", "cat", "dog", "fish"]
    matrix = skm.confusion_matrix(base.label, base.prediction, labels=labels)
    assert got["confusion_matrix"] == {
        a: {p: int(matrix[i][j]) for j, p in enumerate(labels)} for i, a in enumerate(labels)
    }

    # Window: records already merged by SageMaker's merge job (capture + groundTruthData).
    window = multiclass_rows(300, accuracy=0.3, seed=6)
    merged = []
    for i, r in enumerate(window.itertuples()):
        record = json.loads(
            capture(f"ev-{i}", json.dumps({"predicted_label": r.prediction}), "JSON", i)
        )
        record["groundTruthData"] = {"data": r.label, "encoding": "CSV"}
        merged.append(json.dumps(record))
    write_lines(merged, hour(tmp_path / "merge", "ep/AllTraffic", 10) / "part-0.c000.jsonl")
    mon = tmp_path / "monitor"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerMergeJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "merge"),
        output_path=str(mon),
        baseline_constraints=str(out / "constraints.json"),
        problem_type="MulticlassClassification",
        inference_attribute="$.predicted_label",
        **WINDOW,
    )
    assert code == EXIT_OK, message
    window_got = read(mon / "statistics.json")["multiclass_classification_metrics"]
    for name, value in sklearn_multiclass(window).items():
        assert close(window_got[name]["value"], value), name
    found = read(mon / "constraint_violations.json")["violations"]
    # camelCase as the container writes rate names; names with digit parts stay as they are.
    assert {v["metric_name"] for v in found} == {
        "accuracy",
        "weightedRecall",
        "weightedPrecision",
        "weighted_f0_5",
        "weighted_f1",
        "weighted_f2",
    }
    assert message.startswith(
        "CompletedWithViolations: Job completed successfully with 6 violations."
    )


# --- the merge ----------------------------------------------------------------------------


def test_merge_counts_with_missing_labels_and_duplicate_ids(tmp_path, monkeypatch, spark) -> None:
    """10 captured events (one sent twice, one keyed by inferenceId), labels for 7 of them
    (one re-sent with a corrected label an hour later), one label for an unknown event,
    and one capture outside the window."""
    preds = {f"e{i}": p for i, p in enumerate([1, 0, 1, 1, 0, 0, 1, 0, 1, 1])}
    cap = [capture(k, str(v), "CSV", i) for i, (k, v) in enumerate(preds.items()) if k != "e9"]
    cap.append(
        capture("e9-event", str(preds["e9"]), "CSV", 9, inference_id="e9")
    )  # joins on inferenceId
    cap.append(capture("e5", "1", "CSV", 30))  # duplicate event id: the later line wins
    outside = json.loads(capture("e0", "1", "CSV", 0))
    outside["eventMetadata"]["inferenceTime"] = "2024-03-01T11:30:00Z"
    write_lines(cap, hour(tmp_path / "capture", "ep/v", 10) / "a.jsonl")
    write_lines([json.dumps(outside)], hour(tmp_path / "capture", "ep/v", 10) / "b.jsonl")
    labels = {"e0": 1, "e1": 0, "e2": 0, "e5": 1, "e6": 1, "e8": 1, "e9": 0}
    write_lines(
        [truth(k, str(v)) for k, v in labels.items()] + [truth("nobody", "1")],
        hour(tmp_path / "gt", "", 10) / "a.jsonl",
    )
    write_lines([truth("e6", "0")], hour(tmp_path / "gt", "", 10) / "b-later.jsonl")  # corrected
    baseline = tmp_path / "constraints.json"
    baseline.write_text(
        json.dumps(
            {
                "version": 0.0,
                "binary_classification_constraints": {
                    "accuracy": {"threshold": 0.5, "comparison_operator": "LessThanThreshold"}
                },
            }
        )
    )
    mon = tmp_path / "monitor"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "capture"),
        ground_truth_source=str(tmp_path / "gt"),
        output_path=str(mon),
        baseline_constraints=str(baseline),
        problem_type="BinaryClassification",
        inference_attribute="0",
        **WINDOW,
    )
    assert code == EXIT_OK, message
    summary = read(mon / "monitor-job-summary.json")
    assert summary["merge"] == {
        "captured": 11,
        "ground_truth": 9,
        "matched": 7,  # e0 e1 e2 e5 e6 e8 e9
        "unmatched_capture": 3,  # e3 e4 e7
        "unmatched_ground_truth": 1,  # nobody
        "duplicate_capture": 1,  # e5
        "duplicate_ground_truth": 1,  # e6
    }
    assert summary["records"]["skipped"] == {"outside window": 1}
    final_preds = {**preds, "e5": 1}
    final_labels = {**labels, "e6": 0}
    keys = sorted(final_labels)
    y = [final_labels[k] for k in keys]
    p = [final_preds[k] for k in keys]
    stats = read(mon / "statistics.json")
    assert stats["dataset"]["item_count"] == 7
    got = stats["binary_classification_metrics"]
    assert close(got["accuracy"]["value"], skm.accuracy_score(y, p))
    assert got["accuracy"]["standard_deviation"] == "NaN"  # fewer than 200 rows
    tn, fp, fn, tp = skm.confusion_matrix(y, p).ravel()
    assert got["confusion_matrix"] == {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}


# --- failures -----------------------------------------------------------------------------


@pytest.fixture
def small_binary(tmp_path: Path) -> Path:
    write_lines(
        [capture(f"e{i}", str(i % 2), "CSV", i) for i in range(20)],
        hour(tmp_path / "capture", "ep/v", 10) / "a.jsonl",
    )
    return tmp_path


def test_failures_are_clear(small_binary, monkeypatch, spark) -> None:
    tmp = small_binary
    fmt = json.dumps({"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}})
    common = {
        "dataset_format": fmt,
        "dataset_source": str(tmp / "capture"),
        "problem_type": "BinaryClassification",
        "inference_attribute": "0",
        **WINDOW,
    }
    # No ground_truth_source for captures: refused before Spark starts.
    code, message = run_mq(monkeypatch, tmp, output_path=str(tmp / "o1"), **common)
    assert code == EXIT_CONFIG and "ground_truth_source" in message
    # Ground truth directory with nothing in the window.
    (tmp / "gt" / "2024" / "03" / "01" / "15").mkdir(parents=True)
    write_lines([truth("e1", "1")], tmp / "gt" / "2024" / "03" / "01" / "15" / "late.jsonl")
    constraints = tmp / "c.json"
    constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {}}))
    code, message = run_mq(
        monkeypatch,
        tmp,
        output_path=str(tmp / "o2"),
        ground_truth_source=str(tmp / "gt"),
        baseline_constraints=str(constraints),
        **common,
    )
    assert code == EXIT_EMPTY_INPUT and message.startswith("NoData: no ground truth in window")
    assert not (tmp / "o2" / "statistics.json").exists()
    # Labels for none of the captured events.
    write_lines([truth("zz", "1")], hour(tmp / "gt2", "", 10) / "a.jsonl")
    code, message = run_mq(
        monkeypatch,
        tmp,
        output_path=str(tmp / "o3"),
        ground_truth_source=str(tmp / "gt2"),
        baseline_constraints=str(constraints),
        **common,
    )
    assert code == EXIT_EMPTY_INPUT and "0 matched" in message and "20 captured" in message
    # Constraints of another problem type.
    regression = tmp / "r.json"
    regression.write_text(json.dumps({"version": 0.0, "regression_constraints": {}}))
    code, message = run_mq(
        monkeypatch,
        tmp,
        output_path=str(tmp / "o4"),
        ground_truth_source=str(tmp / "gt2"),
        baseline_constraints=str(regression),
        **common,
    )
    assert code == EXIT_BASELINE and "binary_classification_constraints" in message
    # Three classes under BinaryClassification.
    write_lines(
        [truth(f"e{i}", str(i % 3)) for i in range(20)], hour(tmp / "gt3", "", 10) / "a.jsonl"
    )
    code, message = run_mq(
        monkeypatch,
        tmp,
        output_path=str(tmp / "o5"),
        ground_truth_source=str(tmp / "gt3"),
        baseline_constraints=str(constraints),
        **common,
    )
    assert code == EXIT_INPUT and "3 classes" in message


def test_missing_problem_type_and_attributes(tmp_path, monkeypatch) -> None:
    env = {
        "dataset_format": json.dumps({"csv": {"header": True}}),
        "dataset_source": str(tmp_path),
        "output_path": str(tmp_path / "o"),
    }
    code, message = run_mq(monkeypatch, tmp_path, **env)
    assert code == EXIT_CONFIG and "problem_type" in message
    code, message = run_mq(
        monkeypatch, tmp_path, problem_type="Regression", ground_truth_attribute="y", **env
    )
    assert code == EXIT_CONFIG and "inference_attribute" in message
    assert not (tmp_path / "o").exists()  # refused before Spark, nothing written


# --- documents ----------------------------------------------------------------------------


def test_violation_text_matches_the_container() -> None:
    """Two rows of the 2021 AWS run (RESEARCH-NOTES §9.4), reproduced verbatim."""
    result = QualityResult(
        "BinaryClassification",
        2000,
        {
            "auc": Metric(0.5127590160341251, 0.007142408259978924),
            "false_positive_rate": Metric(0.13320463320463322, 0.003088585432650178),
            "precision": Metric(1.0, 0.0),
        },
        {},
    )
    constraints = (
        QualityConstraint("auc", 0.9395127993393898, "LessThanThreshold"),
        QualityConstraint("false_positive_rate", 0.0, "GreaterThanThreshold"),
        QualityConstraint("precision", 1.0, "LessThanThreshold"),  # equal: no violation
        QualityConstraint("weighted_f1", 0.5, "LessThanThreshold"),  # not a binary metric
    )
    found, notes = violations(constraints, result)
    assert [v["description"] for v in found] == [
        "Metric auc with 0.5127590160341251 +/- 0.007142408259978924 was LessThanThreshold "
        "'0.9395127993393898'",
        "Metric falsePositiveRate with 0.13320463320463322 +/- 0.003088585432650178 was "
        "GreaterThanThreshold '0.0'",
    ]
    assert [v["metric_name"] for v in found] == ["auc", "falsePositiveRate"]
    assert notes == ["constraint on weighted_f1: not a BinaryClassification metric, skipped"]


def test_sagemaker_model_card_parser_reads_our_statistics(tmp_path, monkeypatch, spark) -> None:
    """The SDK's model-card parser for Model Monitor model-quality statistics."""
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from sagemaker.model_card.evaluation_metric_parsers import (
        EVALUATION_METRIC_PARSERS,
        EvaluationMetricTypeEnum,
    )

    base = binary_rows(300, signal=0.4, seed=8)
    write_csv(base, tmp_path / "train.csv")
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"csv": {"header": True}}),
        dataset_source=str(tmp_path / "train.csv"),
        output_path=str(tmp_path / "out"),
        problem_type="BinaryClassification",
        probability_attribute="probability",
        probability_threshold_attribute="0.5",
        ground_truth_attribute="label",
    )
    assert code == EXIT_OK, message
    parser = EVALUATION_METRIC_PARSERS[EvaluationMetricTypeEnum.MODEL_MONITOR_MODEL_QUALITY]
    parsed = parser.run(read(tmp_path / "out" / "statistics.json"))
    [group] = parsed["metric_groups"]
    names = {m["name"] for m in group["metric_data"]}
    assert {
        "confusion_matrix",
        "auc",
        "auc - standard_deviation",
        "receiver_operating_characteristic_curve",
    } <= names


def test_demo_model_quality_configs(tmp_path, monkeypatch, spark) -> None:
    """The two model-quality steps of ``make demo``, on freshly generated sample data."""
    from tests.datasets import demo_config, demo_data

    demo_data(tmp_path)
    for key in KNOWN_KEYS:
        monkeypatch.delenv(key, raising=False)
    for name in ("demo-mq-baseline.yaml", "demo-mq-monitor.yaml"):
        assert main(["run", "--config", str(demo_config(tmp_path, name))]) == EXIT_OK
    out = tmp_path / "demo-output" / "mq-monitor-12h"
    summary = read(out / "monitor-job-summary.json")
    labels = (tmp_path / "demo-data" / "ground-truth" / "2024" / "03" / "01" / "12").glob("*")
    labelled = sum(len(p.read_text().splitlines()) for p in labels)
    assert summary["merge"]["captured"] == 300
    assert summary["merge"]["matched"] == labelled == summary["item_count"]
    assert summary["merge"]["unmatched_capture"] == 300 - labelled
    assert {v["metric_name"] for v in read(out / "constraint_violations.json")["violations"]} >= {
        "auc",
        "accuracy",
        "f1",
    }


def test_parquet_baseline_and_constraints_suggested_from_statistics(
    tmp_path, monkeypatch, spark
) -> None:
    """A Parquet labelled dataset; then a monitoring run given only the baseline's
    statistics.json, whose constraints are suggested from it (thresholds = its values)."""
    base = regression_rows(250, noise=2.0, seed=11)
    base.to_parquet(tmp_path / "train.parquet")
    out = tmp_path / "baseline"
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"parquet": {}}),
        dataset_source=str(tmp_path / "train.parquet"),
        output_path=str(out),
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="1",  # by index
    )
    assert code == EXIT_OK, message
    got = read(out / "statistics.json")["regression_metrics"]
    assert close(got["mse"]["value"], skm.mean_squared_error(base.label, base.prediction))
    # The same rows as the window: nothing crosses a threshold equal to its own value.
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"parquet": {}}),
        dataset_source=str(tmp_path / "train.parquet"),
        output_path=str(tmp_path / "monitor"),
        baseline_statistics=str(out / "statistics.json"),
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="label",
    )
    assert code == EXIT_OK and message.startswith("Completed:"), message
    assert read(tmp_path / "monitor" / "constraint_violations.json") == {"violations": []}
    # A worse model on the same labels crosses all four.
    worse = base.assign(prediction=base.prediction + 5.0)
    worse.to_parquet(tmp_path / "worse.parquet")
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"parquet": {}}),
        dataset_source=str(tmp_path / "worse.parquet"),
        output_path=str(tmp_path / "monitor-worse"),
        baseline_statistics=str(out / "statistics.json"),
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="label",
    )
    assert message == "CompletedWithViolations: Job completed successfully with 4 violations."


def test_batched_payloads_match_row_by_row(tmp_path, monkeypatch, spark) -> None:
    """A capture holding several rows (CSV lines) against ground truth as a JSON
    ``instances`` batch: rows pair by position; a batch one row short leaves one unmatched."""
    cap = [
        capture("b1", "0.2\n0.8\n0.6", "CSV", 1),
        capture("b2", "0.9\n0.1", "BASE64", 2),
    ]
    write_lines(cap, hour(tmp_path / "capture", "ep/v", 10) / "a.jsonl")
    gt = [
        truth("b1", json.dumps({"instances": [{"label": 0}, {"label": 1}, {"label": 1}]}), "JSON"),
        truth("b2", json.dumps({"instances": [{"label": 1}]}), "JSON"),
    ]
    write_lines(gt, hour(tmp_path / "gt", "", 10) / "a.jsonl")
    constraints = tmp_path / "c.json"
    constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {}}))
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "capture"),
        ground_truth_source=str(tmp_path / "gt"),
        output_path=str(tmp_path / "o"),
        baseline_constraints=str(constraints),
        problem_type="BinaryClassification",
        probability_attribute="0",
        ground_truth_attribute="label",
        **WINDOW,
    )
    assert code == EXIT_OK, message
    summary = read(tmp_path / "o" / "monitor-job-summary.json")
    assert summary["merge"]["captured"] == 5 and summary["merge"]["ground_truth"] == 4
    assert summary["merge"]["matched"] == 4 and summary["merge"]["unmatched_capture"] == 1
    y, score = [0, 1, 1, 1], [0.2, 0.8, 0.6, 0.9]
    got = read(tmp_path / "o" / "statistics.json")["binary_classification_metrics"]
    assert close(got["auc"]["value"], skm.roc_auc_score(y, score))
    assert got["confusion_matrix"] == {"0": {"0": 1, "1": 0}, "1": {"0": 0, "1": 3}}


def test_json_scalar_payloads(tmp_path, monkeypatch, spark) -> None:
    """Outputs and labels that are one JSON scalar each (``0.73``, ``"1"``)."""
    rows = [(0.9, 1), (0.7, 0), (0.2, 0), (0.6, 1), (0.4, 1)]
    cap = [capture(f"s{i}", json.dumps(p), "JSON", i) for i, (p, _) in enumerate(rows)]
    write_lines(cap, hour(tmp_path / "capture", "ep/v", 10) / "a.jsonl")
    gt = [truth(f"s{i}", json.dumps(str(y)), "JSON") for i, (_, y) in enumerate(rows)]
    write_lines(gt, hour(tmp_path / "gt", "", 10) / "a.jsonl")
    constraints = tmp_path / "c.json"
    constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {}}))
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}
        ),
        dataset_source=str(tmp_path / "capture"),
        ground_truth_source=str(tmp_path / "gt"),
        output_path=str(tmp_path / "o"),
        baseline_constraints=str(constraints),
        problem_type="BinaryClassification",
        probability_attribute="0",
        **WINDOW,
    )
    assert code == EXIT_OK, message
    got = read(tmp_path / "o" / "statistics.json")["binary_classification_metrics"]
    y, score = [r[1] for r in rows], [r[0] for r in rows]
    assert close(got["auc"]["value"], skm.roc_auc_score(y, score))
    assert close(got["accuracy"]["value"], skm.accuracy_score(y, [int(s >= 0.5) for s in score]))


def test_metrics_reach_cloudwatch(tmp_path, monkeypatch, aws, spark) -> None:
    """publish_cloudwatch_metrics=Enabled outside SageMaker: PutMetricData to a real
    CloudWatch API (moto on 127.0.0.1), in the model-metrics namespace."""
    import boto3

    base = regression_rows(50, noise=1.0, seed=12)
    write_csv(base, tmp_path / "d.csv")
    constraints = tmp_path / "c.json"
    constraints.write_text(json.dumps({"version": 0.0, "regression_constraints": {}}))
    code, message = run_mq(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"csv": {"header": True}}),
        dataset_source=str(tmp_path / "d.csv"),
        output_path=str(tmp_path / "o"),
        baseline_constraints=str(constraints),
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="label",
        publish_cloudwatch_metrics="Enabled",
        sagemaker_endpoint_name="mq-endpoint",
        sagemaker_monitoring_schedule_name="mq-schedule",
    )
    assert code == EXIT_OK, message
    cloudwatch = boto3.client("cloudwatch")
    listed = cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/model-metrics")["Metrics"]
    mine = [m for m in listed if {"Name": "Endpoint", "Value": "mq-endpoint"} in m["Dimensions"]]
    assert {m["MetricName"] for m in mine} == {"mae", "mse", "rmse", "r2"}
    summary = read(tmp_path / "o" / "monitor-job-summary.json")
    assert summary["cloudwatch"]["put_metric_data"]["status"] == "published"
