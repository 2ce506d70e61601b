"""Batch-transform capture (issue 37): the manifests of a capture destination resolved to
the files they name, the window's hours only, read as the transform's data.

Three transform jobs started at 09:05, 10:05 and 11:05 on a moto server; a window of
10:00-12:00 reads exactly the second and third jobs' rows (moto's request log shows
nothing of hour 09), and the data-quality statistics equal a run over the same rows as
plain CSV."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import boto3
import pandas as pd
import pytest
import yaml

from monitor_job.cli import main
from monitor_job.errors import EXIT_CONFIG, EXIT_EMPTY_INPUT, EXIT_OK
from tests.compare import assert_close, assert_same_statistics
from tests.datasets import demo_config, demo_data, mixed_frame
from tests.test_s3 import requested

JOBS = {"09": 11, "10": 12, "11": 13}  # start hour -> the frame's seed
TIME = "2024-03-01T{hour}:05:00Z"


def put(s3, bucket: str, key: str, body: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())


def csv_rows(frame: pd.DataFrame) -> list[str]:
    return [",".join(str(v) for v in row) for row in frame.itertuples(index=False)]


@pytest.fixture
def destination(bucket):
    """Three transform jobs: inputs of 2 parts each, outputs with GenerateInferenceId (the
    id and the job's start time after the prediction), manifests under the start hour."""
    s3 = boto3.client("s3")
    frames = {}
    for hour, seed in JOBS.items():
        frame = mixed_frame(300, seed=seed).drop(columns=["label"], errors="ignore")
        frame = frame.select_dtypes("number")
        frames[hour] = frame
        name = uuid.uuid4()
        inputs, outputs = [], []
        for part in range(2):
            rows = frame.iloc[part::2]
            key = f"part-{part}.csv"
            put(s3, bucket, f"jobs/{hour}/in/{key}", "\n".join(csv_rows(rows)) + "\n")
            out = [f"{i % 2}, {uuid.uuid4()},{TIME.format(hour=hour)}" for i in range(len(rows))]
            put(s3, bucket, f"jobs/{hour}/out/{key}.out", "\n".join(out) + "\n")
            inputs.append(key)
            outputs.append(f"{key}.out")
        folder = f"capture/{{side}}/2024/03/01/{hour}/{name}.json"
        prefix = f"s3://{bucket}/jobs/{hour}"
        put(
            s3,
            bucket,
            folder.format(side="input"),
            json.dumps([{"prefix": f"{prefix}/in/"}, *inputs]),
        )
        put(
            s3,
            bucket,
            folder.format(side="output"),
            json.dumps([{"prefix": f"{prefix}/out/"}, *outputs]),
        )
    return s3, bucket, frames


def batch_format(sides: list[str], **more) -> str:
    return json.dumps(
        {
            "batchTransformCapture": {
                "sides": sides,
                "datasetFormat": {"csv": {"header": False}},
                **more,
            }
        }
    )


def test_the_windows_manifests_and_only_theirs_are_read(
    destination, tmp_path, monkeypatch, caplog
) -> None:
    _, bucket, frames = destination
    caplog.set_level("INFO")
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(tmp_path / "absent.json"))
    out = tmp_path / "batch"
    env = {
        "dataset_format": batch_format(["input"]),
        "dataset_source": f"s3://{bucket}/capture",
        "start_time": "2024-03-01T10:00:00Z",
        "end_time": "2024-03-01T12:00:00Z",
        "output_path": str(out),
        "publish_cloudwatch_metrics": "Disabled",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main([]) == EXIT_OK
    asked = requested(caplog, bucket)
    assert any("/2024/03/01/10/" in r for r in asked) and any("jobs/11/in/" in r for r in asked)
    assert not [r for r in asked if "/01/09/" in r or "jobs/09/" in r], asked
    # The same rows as plain CSV, in the same order.
    plain = tmp_path / "plain"
    plain.mkdir()
    rows = [
        row
        for hour in ("10", "11")
        for part in range(2)
        for row in csv_rows(frames[hour].iloc[part::2])
    ]
    (plain / "data.csv").write_text("\n".join(rows) + "\n")
    assert (
        main(
            [
                "baseline",
                "--dataset",
                str(plain),
                "--no-header",
                "--output",
                str(tmp_path / "plain-out"),
            ]
        )
        == EXIT_OK
    )
    assert_same_statistics(
        (out / "statistics.json").read_bytes(),
        (tmp_path / "plain-out" / "statistics.json").read_bytes(),
        rel=1e-9,
    )
    stats = json.loads((out / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 600


def run_batch(tmp_path, monkeypatch, fmt: str, source: str, **more: str) -> tuple[int, dict, Path]:
    """A data-quality baseline of a capture destination in container mode: (exit code, the
    run's summary or {}, its output folder)."""
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(tmp_path / "absent.json"))
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    env = {
        "dataset_format": fmt,
        "dataset_source": source,
        "start_time": "2024-03-01T10:00:00Z",
        "end_time": "2024-03-01T12:00:00Z",
        "output_path": str(out),
        "output_message_file": str(tmp_path / "message"),
        "publish_cloudwatch_metrics": "Disabled",
        **more,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main([])
    summary = out / "monitor-job-summary.json"
    return code, json.loads(summary.read_text()) if summary.exists() else {}, out


def test_inference_ids_of_csv_outputs_are_not_features(destination, tmp_path, monkeypatch) -> None:
    _, bucket, _ = destination
    """GenerateInferenceId's two columns (a UUID, then the job's start time, the docs'
    sample with a space after the first comma) are found in the sample and left out; the
    prediction is the one column."""
    code, summary, out = run_batch(
        tmp_path, monkeypatch, batch_format(["output"]), f"s3://{bucket}/capture"
    )
    assert code == EXIT_OK
    stats = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == ["_c0"]
    assert stats["dataset"]["item_count"] == 600
    assert any("inference id and time (found in every sampled row)" in n for n in summary["notes"])


def test_declared_inference_ids_count_rows_without_them(bucket, tmp_path, monkeypatch) -> None:
    s3 = boto3.client("s3")
    good = [f"{i % 2}, {uuid.uuid4()},2024-03-01T10:05:00Z" for i in range(40)]
    bad = ["1, not-a-uuid,2024-03-01T10:05:00Z"]
    put(s3, bucket, "jobs/10/out/part-0.csv.out", "\n".join(good + bad) + "\n")
    manifest = [{"prefix": f"s3://{bucket}/jobs/10/out/"}, "part-0.csv.out"]
    put(s3, bucket, "capture/output/2024/03/01/10/m.json", json.dumps(manifest))
    fmt = batch_format(["output"], generateInferenceId=True)
    code, summary, _ = run_batch(tmp_path, monkeypatch, fmt, f"s3://{bucket}/capture")
    assert code == EXIT_OK
    assert summary["records"]["failed"] == {"no inference id and time at the row's end": 1}
    assert summary["item_count"] == 40  # the rows with their ids; the other failed


def test_a_single_object_manifest_and_json_lines(bucket, tmp_path, monkeypatch) -> None:
    """The transform's input is one object: the prefix is its whole key, the entry ""."""
    s3 = boto3.client("s3")
    rows = [{"a": i, "b": i * 0.5} for i in range(30)]
    put(s3, bucket, "data/k.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    put(s3, bucket, "capture/input/2024/03/01/11/m.json",
        json.dumps([{"prefix": f"s3://{bucket}/data/k.jsonl"}, ""]))  # fmt: skip
    fmt = json.dumps(
        {"batchTransformCapture": {"sides": ["input"], "datasetFormat": {"Json": {"Line": True}}}}
    )
    code, _, out = run_batch(tmp_path, monkeypatch, fmt, f"s3://{bucket}/capture")
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    stats = json.loads((out / "statistics.json").read_text())
    assert {f["name"] for f in stats["features"]} == {"a", "b"}
    assert stats["dataset"]["item_count"] == 30


def test_what_cannot_be_used_is_counted_by_reason(destination, tmp_path, monkeypatch) -> None:
    """A manifest that is not one, a prefix outside S3, an unsafe entry, a missing object:
    each left out by reason with a sample; the rest is read."""
    s3, bucket, _ = destination
    hour = "capture/input/2024/03/01/10"
    put(s3, bucket, f"{hour}/broken.json", "[{not json")
    put(s3, bucket, f"{hour}/local.json", json.dumps([{"prefix": "/etc/"}, "passwd"]))
    put(s3, bucket, f"{hour}/unsafe.json", json.dumps([{"prefix": f"s3://{bucket}/jobs/"}, "../x"]))
    put(s3, bucket, f"{hour}/missing.json",
        json.dumps([{"prefix": f"s3://{bucket}/jobs/10/in/"}, "part-9.csv"]))  # fmt: skip
    code, summary, _ = run_batch(
        tmp_path, monkeypatch, batch_format(["input"]), f"s3://{bucket}/capture"
    )
    assert code == EXIT_OK
    assert summary["item_count"] == 600  # the two good jobs' rows, nothing else
    notes = "\n".join(summary["notes"])
    for reason in (
        "manifest is not a JSON array",
        "manifest prefix is not an s3:// URI",
        "manifest entry is not a safe S3 key",
        "object named by a manifest is missing",
    ):
        assert f"left out: {reason}" in notes, notes
    assert f"s3://{bucket}/jobs/10/in/part-9.csv" in notes


def test_a_window_without_manifests_and_unsupported_forms(
    destination, tmp_path, monkeypatch, capsys
) -> None:
    _, bucket, _ = destination
    late = {"start_time": "2024-03-01T14:00:00Z", "end_time": "2024-03-01T15:00:00Z"}
    source = f"s3://{bucket}/capture"
    code, _, _ = run_batch(tmp_path, monkeypatch, batch_format(["input"]), source, **late)
    assert code == EXIT_EMPTY_INPUT
    assert "no batch-transform input manifest" in capsys.readouterr().err
    pairs_of_parquet = json.dumps(
        {"batchTransformCapture": {"sides": ["input", "output"], "datasetFormat": {"parquet": {}}}}
    )
    code, _, _ = run_batch(tmp_path, monkeypatch, pairs_of_parquet, "s3://x/y")
    assert code == EXIT_CONFIG
    assert "not supported yet" in capsys.readouterr().err
    code, _, _ = run_batch(tmp_path, monkeypatch, batch_format(["input"]), "s3://x/y",
                        analysis_type="MODEL_BIAS", analysis_config="/nowhere.json",
                        inference_attribute="0")  # fmt: skip
    assert code == EXIT_CONFIG
    assert "reads outputs joined with their input" in capsys.readouterr().err


def test_a_local_destination_through_the_cli_and_yaml(tmp_path) -> None:
    """A local copy of a capture destination whose manifests name local files (the demo's
    form), read by ``monitor-job baseline --dataset-format`` and by a YAML config."""
    data = tmp_path / "transform" / "in"
    data.mkdir(parents=True)
    frame = mixed_frame(200, seed=5).select_dtypes("number")
    (data / "part-0.csv").write_text("\n".join(csv_rows(frame)) + "\n")
    hour = tmp_path / "capture" / "input" / "2024" / "03" / "01" / "10"
    hour.mkdir(parents=True)
    (hour / "m.json").write_text(json.dumps([{"prefix": f"{data}/"}, "part-0.csv"]))
    fmt = batch_format(["input"])
    out = tmp_path / "cli"
    args = ["baseline", "--dataset", str(tmp_path / "capture"), "--dataset-format", fmt]
    assert main([*args, "--output", str(out)]) == EXIT_OK
    config = tmp_path / "batch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "dataset_format": json.loads(fmt),
                "dataset_source": str(tmp_path / "capture"),
                "output_path": str(tmp_path / "yaml"),
            }
        )
    )
    assert main(["run", "--config", str(config)]) == EXIT_OK
    for run in (out, tmp_path / "yaml"):
        stats = json.loads((run / "statistics.json").read_text())
        assert stats["dataset"]["item_count"] == 200
        assert len(stats["features"]) == frame.shape[1]
    # A manifest names no local file outside the folder that holds the destination.
    (hour / "etc.json").write_text(json.dumps([{"prefix": "/etc/"}, "passwd"]))
    (hour / "up.json").write_text(json.dumps([{"prefix": f"{data}/"}, "../../../etc/passwd"]))
    assert main([*args, "--output", str(tmp_path / "guarded")]) == EXIT_OK
    summary = json.loads((tmp_path / "guarded" / "monitor-job-summary.json").read_text())
    assert summary["item_count"] == 200
    notes = "\n".join(summary["notes"])
    assert "left out: manifest prefix is outside the destination's folder" in notes
    assert "left out: manifest entry is not a safe S3 key" in notes


def test_the_format_is_parsed_and_bad_ones_named() -> None:
    from monitor_job.contract.formats import parse_dataset_format
    from monitor_job.errors import ConfigError

    options = {"sides": ["output"], "datasetFormat": {"Csv": {"Header": True}}}
    api = {"batchTransformCapture": {**options, "generateInferenceId": False}}
    parsed = parse_dataset_format(json.dumps(api))
    assert parsed.is_batch and parsed.batch is not None
    assert parsed.batch.side == "output" and parsed.batch.inference_id is False
    assert parsed.batch.data.kind == "csv" and parsed.batch.data.header is True
    declared = {"datasetFormat": {"csv": {}}, "outputColumns": 2}
    assert parse_dataset_format({"batchTransformCapture": declared}).batch.output_columns == 2
    for bad, named in (
        ({"sides": ["inputs"], "datasetFormat": {"csv": {}}}, "sides must be"),
        ({"sides": ["input"]}, "datasetFormat is required"),
        ({"datasetFormat": {"sagemakerCaptureJson": {}}}, "must be one of"),
        ({"datasetFormat": {"csv": {}}, "side": ["input"]}, "unknown key(s) ['side']"),
        ({"datasetFormat": {"csv": {}}, "generateInferenceId": "yes"}, "true or false"),
        ({"datasetFormat": {"csv": {}}, "outputColumns": 0}, "outputColumns is the number"),
        ({"datasetFormat": {"csv": {}}, "outputColumns": True}, "outputColumns is the number"),
        ({"datasetFormat": {"json": {}}, "outputColumns": 1}, "outputColumns is the number"),
    ):
        with pytest.raises(ConfigError, match=re.escape(named)):
            parse_dataset_format({"batchTransformCapture": bad})


def test_both_sides_pair_each_input_line_with_its_output(
    destination, tmp_path, monkeypatch
) -> None:
    """sides [input, output]: line i of each input object with line i of its .out, the
    model's output first (the prediction; its inference id and time left out), then the
    input's columns: the statistics of the same rows as one plain CSV."""
    s3, bucket, frames = destination
    code, summary, out = run_batch(
        tmp_path, monkeypatch, batch_format(["input", "output"]), f"s3://{bucket}/capture"
    )
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["records"]["failed"] == {}
    rows = []
    for hour in ("10", "11"):
        for part in range(2):
            inputs = csv_rows(frames[hour].iloc[part::2])
            body = s3.get_object(Bucket=bucket, Key=f"jobs/{hour}/out/part-{part}.csv.out")
            outputs = body["Body"].read().decode().splitlines()
            rows += [f"{o.split(',')[0]},{i}" for i, o in zip(inputs, outputs, strict=True)]
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "data.csv").write_text("\n".join(rows) + "\n")
    args = ["baseline", "--dataset", str(plain), "--no-header", "--output", str(tmp_path / "p")]
    assert main(args) == EXIT_OK
    assert_same_statistics(
        (out / "statistics.json").read_bytes(),
        (tmp_path / "p" / "statistics.json").read_bytes(),
        rel=1e-9,
    )


def test_unpaired_lines_and_objects_are_counted(destination, tmp_path, monkeypatch) -> None:
    """An output shorter than its input: its input's extra line fails by reason; an input
    object without its .out: left out by reason, the rest read."""
    s3, bucket, _ = destination
    key = "jobs/10/out/part-0.csv.out"
    lines = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    put(s3, bucket, key, "\n".join(lines[:-1]) + "\n")  # one line short
    s3.delete_object(Bucket=bucket, Key="jobs/11/out/part-1.csv.out")
    code, summary, _ = run_batch(
        tmp_path, monkeypatch, batch_format(["input", "output"]), f"s3://{bucket}/capture"
    )
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["records"]["failed"] == {"input and output line counts differ": 1}
    assert summary["item_count"] == 600 - 150 - 1
    notes = "\n".join(summary["notes"])
    assert "left out: object named by a manifest is missing" in notes  # the .out deleted
    assert "left out: input object without its .out" in notes


@pytest.mark.parametrize("shape", ["joined-jsonl", "csv"])
def test_model_quality_merges_ground_truth_on_inference_ids(
    bucket, tmp_path, monkeypatch, shape
) -> None:
    """Joined JSON Lines outputs (the prediction under SageMakerOutput, the id beside it) or
    CSV outputs (the prediction, the probability, then id and time), merged with ground truth
    on SageMakerInferenceId: every metric equals scikit-learn's on the matched rows."""
    from tests.model_quality.test_job import binary_rows, close, sklearn_binary

    s3 = boto3.client("s3")
    frame = binary_rows(400, signal=0.45, seed=9)
    ids = [str(uuid.uuid4()) for _ in range(len(frame))]
    when = "2024-03-01T10:05:00Z"
    if shape == "csv":
        lines = [
            f"{r.prediction},{r.probability}, {i},{when}"
            for r, i in zip(frame.itertuples(), ids, strict=True)
        ]
        fmt, prediction, probability = {"csv": {"header": False}}, "0", "1"
    else:
        outputs = [{"predicted_label": int(r.prediction), "score": r.probability}
                   for r in frame.itertuples()]  # fmt: skip
        lines = [
            json.dumps({"SageMakerInferenceId": i, "SageMakerInferenceTime": when,
                        "SageMakerOutput": o, "features": [1.0, 2.0]})
            for o, i in zip(outputs, ids, strict=True)
        ]  # fmt: skip
        fmt, prediction, probability = {"json": {"line": True}}, "predicted_label", "score"
    put(s3, bucket, "jobs/out/part-0.out", "\n".join(lines) + "\n")
    put(s3, bucket, "capture/output/2024/03/01/10/m.json",
        json.dumps([{"prefix": f"s3://{bucket}/jobs/out/"}, "part-0.out"]))  # fmt: skip
    labelled = frame.iloc[:300]  # ground truth for 300 of the 400
    truth = [
        json.dumps({"groundTruthData": {"data": str(r.label), "encoding": "CSV"},
                    "eventMetadata": {"eventId": i}, "eventVersion": "0"})
        for r, i in zip(labelled.itertuples(), ids[:300], strict=True)
    ]  # fmt: skip
    put(s3, bucket, "truth/2024/03/01/11/labels.jsonl", "\n".join(truth) + "\n")
    batch = {"batchTransformCapture": {"sides": ["output"], "datasetFormat": fmt}}
    code, summary, out = run_batch(
        tmp_path, monkeypatch, json.dumps(batch), f"s3://{bucket}/capture",
        analysis_type="MODEL_QUALITY", problem_type="BinaryClassification",
        inference_attribute=prediction, probability_attribute=probability,
        ground_truth_source=f"s3://{bucket}/truth",
    )  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["merge"]["matched"] == 300 and summary["merge"]["unmatched_capture"] == 100
    got = json.loads((out / "statistics.json").read_text())["binary_classification_metrics"]
    for name, value in sklearn_binary(labelled, labelled["probability"]).items():
        assert close(got[name]["value"], value), (name, got[name]["value"], value)


def test_model_quality_without_inference_ids_is_refused_before_spark(
    tmp_path, monkeypatch, capsys
) -> None:
    batch = {"batchTransformCapture": {"sides": ["output"], "datasetFormat": {"csv": {}},
                                       "generateInferenceId": False}}  # fmt: skip
    code, _, _ = run_batch(
        tmp_path, monkeypatch, json.dumps(batch), "s3://x/y", analysis_type="MODEL_QUALITY",
        problem_type="Regression", inference_attribute="0", ground_truth_source="s3://x/t",
    )  # fmt: skip
    assert code == EXIT_CONFIG
    assert "GenerateInferenceId" in capsys.readouterr().err


@pytest.mark.parametrize("shape", ["csv", "documents"])
def test_explainability_of_the_transforms_inputs(tmp_path, shape) -> None:
    """The inputs of a transform (CSV without a header, or JSON documents of
    ``{"instances": [[...], ...]}``; named by the analysis config's headers) explained as the
    same rows in one plain CSV are."""
    from tests.explainability.models import LINEAR, NAMES, features, write_config, write_script

    data = features(80, 2)
    model = {"predict_script": str(write_script(tmp_path / "linear.py", LINEAR))}
    shap = {"num_samples": 40, "num_clusters": 5}
    plain_config = write_config(tmp_path / "plain.json", model, **shap)
    named = write_config(tmp_path / "named.json", model, headers=NAMES, **shap)
    data.to_csv(tmp_path / "data.csv", index=False)
    parts = tmp_path / "transform"
    parts.mkdir()
    suffix = ".csv" if shape == "csv" else ".json"
    for part in range(2):
        rows = data.iloc[part * 40 : part * 40 + 40]
        if shape == "csv":
            rows.to_csv(parts / f"p{part}.csv", index=False, header=False)
        else:
            instances = [[float(v) for v in row] for row in rows.itertuples(index=False)]
            (parts / f"p{part}.json").write_text(json.dumps({"instances": instances}))
    hour = tmp_path / "capture" / "input" / "2024" / "03" / "01" / "10"
    hour.mkdir(parents=True)
    listed = [{"prefix": f"{parts}/"}, f"p0{suffix}", f"p1{suffix}"]
    (hour / "m.json").write_text(json.dumps(listed))
    data_format = {"csv": {"header": False}} if shape == "csv" else {"json": {"line": False}}
    plain = [
        "explain",
        "--dataset",
        str(tmp_path / "data.csv"),
        "--analysis-config",
        str(plain_config),
    ]
    assert main([*plain, "--output", str(tmp_path / "csv")]) == EXIT_OK
    config = tmp_path / "batch.yaml"
    config.write_text(yaml.safe_dump({
        "analysis_type": "MODEL_EXPLAINABILITY",
        "analysis_config": str(named),
        "dataset_format": {"batchTransformCapture": {"sides": ["input"],
                                                     "datasetFormat": data_format}},
        "dataset_source": str(tmp_path / "capture"),
        "output_path": str(tmp_path / "batch"),
    }))  # fmt: skip
    assert main(["run", "--config", str(config)]) == EXIT_OK
    ours = json.loads((tmp_path / "batch" / "analysis.json").read_text())
    # the background's centres are exact means, summed over another partition layout
    assert_close(ours, json.loads((tmp_path / "csv" / "analysis.json").read_text()), 1e-12)


@pytest.mark.parametrize("shape", ["jsonl", "csv", "documents"])
def test_bias_on_joined_outputs(bucket, tmp_path, monkeypatch, shape) -> None:
    """Bias on a transform's outputs joined with their input, merged with ground truth on
    SageMakerInferenceId: JSON Lines (the features from the input, the prediction under
    SageMakerOutput), CSV (the input's copy, then the model's outputColumns, then the id
    and time), or JSON documents of 300 records (``instances[*].features`` beside
    ``SageMakerOutput.predictions``, one id each, a label per line). The analysis of the
    same merged records as a labelled CSV, which equals smclarify's
    (tests/bias/test_job.py)."""
    from tests.bias.test_records import CAPTURE_CONFIG, assert_same_metrics, csv_analysis

    records = pd.read_csv(demo_data(tmp_path) / "bias" / "window-12h" / "records.csv")
    records = records.iloc[:1200]
    ids = [str(uuid.uuid4()) for _ in range(len(records))]
    when = "2024-03-01T10:05:00Z"
    lines = [
        json.dumps({"features": [r.sex, int(r.age), int(r.zip)],
                    "SageMakerOutput": {"predicted_label": int(r.predicted)},
                    "SageMakerInferenceId": i, "SageMakerInferenceTime": when})
        if shape == "jsonl" else f"{r.sex},{int(r.age)},{int(r.zip)},{int(r.predicted)},{i},{when}"
        for r, i in zip(records.itertuples(), ids, strict=True)
    ]  # fmt: skip
    s3 = boto3.client("s3")
    if shape == "documents":  # 4 documents of 300 records; the last one's labels never came
        names, truth = [], []
        for n in range(4):
            part = records.iloc[n * 300 : (n + 1) * 300]
            ident = str(uuid.uuid4())
            document = {
                "SageMakerInferenceId": ident, "SageMakerInferenceTime": when,
                "instances": [{"features": [r.sex, int(r.age), int(r.zip)]}
                              for r in part.itertuples()],
                "SageMakerOutput": {"predictions": [{"predicted_label": int(r.predicted)}
                                                    for r in part.itertuples()]},
            }  # fmt: skip
            put(s3, bucket, f"jobs/out/p{n}.json.out", json.dumps(document))
            names.append(f"p{n}.json.out")
            labels = "\n".join(str(v) for v in part["approved"])
            truth += [json.dumps({"groundTruthData": {"data": labels, "encoding": "CSV"},
                                  "eventMetadata": {"eventId": ident}, "eventVersion": "0"})
                      ] if n < 3 else []  # fmt: skip
        kept = records.index < 900
    else:
        names = ["part-0.jsonl.out"]
        put(s3, bucket, "jobs/out/part-0.jsonl.out", "\n".join(lines) + "\n")
        kept = records.index % 7 != 3  # some labels never came
        truth = [
            json.dumps({"groundTruthData": {"data": str(r.approved), "encoding": "CSV"},
                        "eventMetadata": {"eventId": i}, "eventVersion": "0"})
            for r, i, k in zip(records.itertuples(), ids, kept, strict=True) if k
        ]  # fmt: skip
    put(s3, bucket, "capture/output/2024/03/01/10/m.json",
        json.dumps([{"prefix": f"s3://{bucket}/jobs/out/"}, *names]))  # fmt: skip
    put(s3, bucket, "truth/2024/03/01/10/labels.jsonl", "\n".join(truth) + "\n")
    if shape == "jsonl":
        fmt: dict = {"datasetFormat": {"json": {"line": True}}}
        attributes = {"features_attribute": "features", "inference_attribute": "predicted_label"}
    elif shape == "documents":
        fmt = {"datasetFormat": {"json": {"line": False}}}
        attributes = {"features_attribute": "instances[*].features",
                      "inference_attribute": "predictions[*].predicted_label"}  # fmt: skip
    else:
        fmt = {"datasetFormat": {"csv": {"header": False}}, "outputColumns": 1}
        attributes = {"inference_attribute": "0"}
    batch = {"batchTransformCapture": {"sides": ["output"], **fmt}}
    code, summary, out = run_batch(
        tmp_path, monkeypatch, json.dumps(batch), f"s3://{bucket}/capture",
        analysis_type="MODEL_BIAS", analysis_config=str(CAPTURE_CONFIG),
        ground_truth_source=f"s3://{bucket}/truth", **attributes,
    )  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["merge"]["matched"] == int(kept.sum())
    expected = csv_analysis(records[kept], tmp_path)
    assert_same_metrics(json.loads((out / "analysis.json").read_text()), expected)


def test_joined_json_lines_outputs_put_the_models_output_first(
    bucket, tmp_path, monkeypatch
) -> None:
    """Data quality of joined JSON Lines outputs: SageMakerOutput's fields first, then the
    input's keys; the inference id and time are not columns. The same statistics as the
    same values written as plain JSON Lines."""
    s3 = boto3.client("s3")
    rows = [{"a": i, "b": f"k{i % 3}"} for i in range(60)]
    outputs = [{"predicted_label": i % 2, "score": round(i / 60, 4)} for i in range(60)]
    lines = [
        json.dumps({**r, "SageMakerOutput": o, "SageMakerInferenceId": str(uuid.uuid4()),
                    "SageMakerInferenceTime": "2024-03-01T10:05:00Z"})
        for r, o in zip(rows, outputs, strict=True)
    ]  # fmt: skip
    put(s3, bucket, "jobs/out/p.jsonl.out", "\n".join(lines) + "\n")
    put(s3, bucket, "capture/output/2024/03/01/10/m.json",
        json.dumps([{"prefix": f"s3://{bucket}/jobs/out/"}, "p.jsonl.out"]))  # fmt: skip
    batch = {
        "batchTransformCapture": {"sides": ["output"], "datasetFormat": {"json": {"line": True}}}
    }
    code, _, out = run_batch(tmp_path, monkeypatch, json.dumps(batch), f"s3://{bucket}/capture")
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    plain = tmp_path / "plain.jsonl"
    plain.write_text("\n".join(json.dumps({**o, **r}) for r, o in zip(rows, outputs, strict=True)))
    args = [
        "baseline",
        "--dataset",
        str(plain),
        "--format",
        "json",
        "--output",
        str(tmp_path / "p"),
    ]
    assert main(args) == EXIT_OK
    ours = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in ours["features"]] == ["predicted_label", "score", "a", "b"]
    assert_same_statistics(
        (out / "statistics.json").read_bytes(),
        (tmp_path / "p" / "statistics.json").read_bytes(),
        rel=1e-9,
    )


def test_a_preprocessor_gets_what_sagemaker_gives_it_on_batch(tmp_path) -> None:
    """As AWS's Model Monitor FAQ says: a str for a CSV row, a dict for a JSON record (not
    a capture record); a JSON document (``SplitType=None``) is one record."""
    data = tmp_path / "transform"
    data.mkdir()
    (data / "p.csv").write_text("".join(f"{i},{i * 10}\n" for i in range(20)))
    (data / "p.jsonl").write_text("".join(json.dumps({"v": i}) + "\n" for i in range(20)))
    (data / "p.json").write_text(json.dumps({"v": 9.5}, indent=2))
    expected = {"p.csv": 190.0, "p.jsonl": 19.0, "p.json": 19.0}  # the doubled values' mean
    script = tmp_path / "handler.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    if isinstance(inference_record, str):\n"
        "        return {'doubled': float(inference_record.split(',')[1]) * 2}\n"
        "    assert isinstance(inference_record, dict), type(inference_record)\n"
        "    return {'doubled': inference_record['v'] * 2}\n"
    )
    for name, data_format in (
        ("p.csv", {"csv": {"header": False}}),
        ("p.jsonl", {"json": {}}),
        ("p.json", {"json": {"line": False}}),
    ):
        dest = tmp_path / f"capture-{name}"
        hour = dest / "input" / "2024" / "03" / "01" / "10"
        hour.mkdir(parents=True)
        (hour / "m.json").write_text(json.dumps([{"prefix": f"{data}/"}, name]))
        fmt = {"batchTransformCapture": {"sides": ["input"], "datasetFormat": data_format}}
        out = tmp_path / f"out-{name}"
        args = ["baseline", "--dataset", str(dest), "--dataset-format", json.dumps(fmt),
                "--preprocessor", str(script), "--output", str(out)]  # fmt: skip
        assert main(args) == EXIT_OK
        [feature] = json.loads((out / "statistics.json").read_text())["features"]
        assert feature["name"] == "doubled"
        assert feature["numerical_statistics"]["mean"] == pytest.approx(expected[name])


def test_the_demos_batch_transform_steps(tmp_path, monkeypatch) -> None:
    """``make demo``'s batch steps on freshly generated sample data: the transform's rows
    paired and profiled against the data-quality baseline; its predictions merged with the
    labels on their inference ids."""
    from monitor_job.contract.config import KNOWN_KEYS

    demo_data(tmp_path)
    for key in KNOWN_KEYS:
        monkeypatch.delenv(key, raising=False)
    steps = ("demo-baseline.yaml", "demo-mq-baseline.yaml", "demo-batch-monitor.yaml",
             "demo-batch-mq-monitor.yaml")  # fmt: skip
    for name in steps:
        assert main(["run", "--config", str(demo_config(tmp_path, name))]) == EXIT_OK, name
    out = tmp_path / "demo-output"
    summary = json.loads((out / "batch-monitor-02h" / "monitor-job-summary.json").read_text())
    assert summary["item_count"] == 1000 and summary["records"]["failed"] == {}
    stats = json.loads((out / "batch-monitor-02h" / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]][:2] == ["churn", "age"]  # output first
    labels = tmp_path / "demo-data" / "batch" / "ground-truth" / "2024" / "03" / "01" / "06"
    labelled = len((labels / "labels.jsonl").read_text().splitlines())
    merged = json.loads((out / "batch-mq-monitor" / "monitor-job-summary.json").read_text())
    assert merged["merge"]["captured"] == 1000
    assert merged["merge"]["matched"] == labelled == merged["item_count"]


def test_the_docs_batch_transform_forms(monkeypatch) -> None:
    """The batch-transform page's contract block parses to a batch format that pairs both
    sides, and the SDK's ``BatchTransformInput`` beside it gives a ``DatasetFormat`` the job
    takes."""
    from monitor_job.contract import config_from_mapping
    from monitor_job.contract.formats import parse_dataset_format

    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    section = (Path(__file__).resolve().parents[1] / "docs" / "BATCH-TRANSFORM.md").read_text()
    contract, python = re.findall(r"```(?:python)?\n(.*?)```", section, re.S)[:2]
    env = dict(line.split("=", 1) for line in contract.strip().splitlines())
    config = config_from_mapping({**env, "output_path": "/tmp/out"}, container_mode=True)
    assert config.dataset_format.batch is not None
    assert config.dataset_format.batch.sides == ("input", "output")
    from sagemaker.model_monitor import BatchTransformInput, MonitoringDatasetFormat

    given = eval(python, {"BatchTransformInput": BatchTransformInput,
                          "MonitoringDatasetFormat": MonitoringDatasetFormat})  # fmt: skip
    request = given._to_request_dict()["BatchTransformInput"]
    assert request["DataCapturedDestinationS3Uri"] == env["dataset_source"]
    sdk = {"batchTransformCapture": {"sides": ["input"], "datasetFormat": request["DatasetFormat"]}}
    assert parse_dataset_format(sdk).batch.data == config.dataset_format.batch.data


def test_joined_csv_outputs_and_outputs_without_ids(bucket, tmp_path, monkeypatch) -> None:
    """JoinSource=Input with CSV: each output row is its input row, the prediction, then
    the id and time; paired, the input's copy is left out (the same statistics as the
    unjoined pairs). Without GenerateInferenceId an output row is the prediction alone."""
    s3 = boto3.client("s3")
    frame = mixed_frame(200, seed=21).select_dtypes("number")
    rows = csv_rows(frame)
    predictions = [str(i % 2) for i in range(len(rows))]
    when = "2024-03-01T10:05:00Z"
    joined = [f"{r},{p}, {uuid.uuid4()},{when}" for r, p in zip(rows, predictions, strict=True)]
    put(s3, bucket, "jobs/in/p.csv", "\n".join(rows) + "\n")
    put(s3, bucket, "joined/p.csv.out", "\n".join(joined) + "\n")
    put(s3, bucket, "bare/p.csv.out", "\n".join(predictions) + "\n")
    for name, folder in (("joined", "joined"), ("bare", "bare")):
        put(s3, bucket, f"{name}/input/2024/03/01/10/m.json",
            json.dumps([{"prefix": f"s3://{bucket}/jobs/in/"}, "p.csv"]))  # fmt: skip
        put(s3, bucket, f"{name}/output/2024/03/01/10/m.json",
            json.dumps([{"prefix": f"s3://{bucket}/{folder}/"}, "p.csv.out"]))  # fmt: skip
    outs = {}
    for name in ("joined", "bare"):
        fmt = batch_format(["input", "output"])
        code, summary, outs[name] = run_batch(tmp_path, monkeypatch, fmt, f"s3://{bucket}/{name}")
        assert code == EXIT_OK, (tmp_path / "message").read_text()
        assert summary["records"]["failed"] == {}
    notes = json.loads((outs["joined"] / "monitor-job-summary.json").read_text())["notes"]
    assert any("the input's copy left out" in n for n in notes)
    assert_same_statistics(
        (outs["joined"] / "statistics.json").read_bytes(),
        (outs["bare"] / "statistics.json").read_bytes(),
        rel=1e-9,
    )
    code, _, out = run_batch(tmp_path, monkeypatch, batch_format(["output"]), f"s3://{bucket}/bare")
    assert code == EXIT_OK
    assert [f["name"] for f in json.loads((out / "statistics.json").read_text())["features"]] == [
        "_c0"
    ]


def test_a_pair_with_a_member_gone_before_staging_is_left_out_whole(bucket, spark) -> None:
    """Staged pairs stay pairs: when one of a pair's objects is gone by the time it is read,
    the pair is skipped (and named), not its other half read alone."""
    from monitor_job.io.listing import InputListing
    from monitor_job.io.staging import readable_by_spark

    s3 = boto3.client("s3")
    for i in range(2):
        put(s3, bucket, f"in/p{i}.csv", f"{i}\n")
        put(s3, bucket, f"out/p{i}.csv.out", f"{i}\n")
    listing = InputListing(
        source=f"s3://{bucket}",
        files=tuple(f"s3://{bucket}/in/p{i}.csv" for i in range(2)),
        paired=tuple(f"s3://{bucket}/out/p{i}.csv.out" for i in range(2)),
    )
    s3.delete_object(Bucket=bucket, Key="out/p1.csv.out")
    with readable_by_spark(spark, listing) as readable:
        assert readable.gone == (f"s3://{bucket}/out/p1.csv.out",)
        assert len(readable.files) == len(readable.paired) == 1
        assert Path(readable.files[0]).read_text() == "0\n"
        assert Path(readable.paired[0]).read_text() == "0\n"
