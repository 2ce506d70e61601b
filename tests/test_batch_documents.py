"""Batch transform JSON documents (issue 37; ``SplitType=None``: each input object is one
request, each ``.out`` its answer) and CSV outputs with a declared ``outputColumns``.

Each document's rows (``{"instances": [...]}`` in, ``{"predictions": [...]}`` out, as
SageMaker's built-in containers write them) are read as a captured batch request's are; the
statistics equal the same rows as plain CSV, the inference id and time are not columns, and
model quality merges ground truth on (id, position), equal to scikit-learn."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import boto3
import numpy as np
import pytest
import yaml

from monitor_job.cli import main
from monitor_job.errors import EXIT_CONFIG, EXIT_OK
from tests.compare import assert_same_statistics
from tests.test_batch_transform import put, run_batch

WHEN = "2024-03-01T10:05:00Z"
PARTS, ROWS = 3, 40
NAMES = ["score", "predicted_label", "_c2", "_c3", "_c4"]


def _parts(seed: int) -> list[tuple[list[list[float]], list[dict]]]:
    """Per object: the feature rows sent, the model's answers."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(PARTS):
        features = [[round(float(rng.normal()), 6), int(rng.integers(0, 9)),
                     round(float(rng.uniform()), 6)] for _ in range(ROWS)]  # fmt: skip
        scores = rng.uniform(size=ROWS).round(4)
        answers = [{"score": float(s), "predicted_label": int(s >= 0.5)} for s in scores]
        parts.append((features, answers))
    return parts


def _destination(s3, bucket: str, parts, joined: bool) -> list[str]:
    """Documents and their manifests under hour 10; the inference ids, by object."""
    ids = []
    inputs, outputs = [], []
    for n, (features, answers) in enumerate(parts):
        request = {"instances": [{"features": f} for f in features]}
        ident = str(uuid.uuid4())
        ids.append(ident)
        answer: dict = {"predictions": answers}
        if joined:
            answer = {**request, "SageMakerOutput": answer}
        answer = {"SageMakerInferenceId": ident, "SageMakerInferenceTime": WHEN, **answer}
        put(s3, bucket, f"jobs/in/p{n}.json", json.dumps(request, indent=1))
        put(s3, bucket, f"jobs/out/p{n}.json.out", json.dumps(answer))
        inputs.append(f"p{n}.json")
        outputs.append(f"p{n}.json.out")
    for side, prefix, names in (("input", "in", inputs), ("output", "out", outputs)):
        manifest = [{"prefix": f"s3://{bucket}/jobs/{prefix}/"}, *names]
        put(s3, bucket, f"capture/{side}/2024/03/01/10/m.json", json.dumps(manifest))
    return ids


def _documents(sides: list[str]) -> str:
    fmt = {"sides": sides, "datasetFormat": {"json": {"line": False}}}
    return json.dumps({"batchTransformCapture": fmt})


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """A data-quality baseline of the same rows as plain CSV: the answer, then the
    features."""
    root = tmp_path_factory.mktemp("plain")
    rows = [
        [a["score"], a["predicted_label"], *f]
        for features, answers in _parts(5)
        for f, a in zip(features, answers, strict=True)
    ]
    text = ",".join(NAMES) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    (root / "data.csv").write_text(text)
    assert main(["baseline", "--dataset", str(root / "data.csv"), "--header",
                 "--output", str(root / "out")]) == EXIT_OK  # fmt: skip
    return root / "out" / "statistics.json"


@pytest.mark.parametrize(("joined", "sides"), [(False, ["input", "output"]), (True, ["output"])])
def test_json_documents_equal_the_same_rows_as_csv(
    bucket, tmp_path, monkeypatch, plain, joined, sides
) -> None:
    """Inputs paired with their answers, or answers joined with their input
    (``JoinSource=Input``) read alone: the answer's columns, then the request's, equal to
    plain CSV; the inference id and time are not columns."""
    _destination(boto3.client("s3"), bucket, _parts(5), joined)
    code, summary, out = run_batch(tmp_path, monkeypatch, _documents(sides),
                                   f"s3://{bucket}/capture")  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    stats = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == NAMES
    assert stats["dataset"]["item_count"] == PARTS * ROWS
    assert_same_statistics((out / "statistics.json").read_bytes(), plain.read_bytes(), rel=1e-9)
    where = "answers at SageMakerOutput.predictions[*]" if joined else "answers at predictions[*]"
    assert any(f"{where}: 2 column(s), requests at instances[*]" in n for n in summary["notes"]), (
        summary["notes"]
    )


def test_json_lines_pairs_equal_the_same_rows_as_csv(bucket, tmp_path, monkeypatch, plain) -> None:
    """JSON Lines inputs paired with their outputs (``SplitType=Line``): line *i* of the
    answers with line *i* of the requests, as a captured request and its answer; an answer
    line with no request is counted by reason."""
    s3 = boto3.client("s3")
    for n, (features, answers) in enumerate(_parts(5)):
        requests = [json.dumps({"features": f}) for f in features]
        lines = [json.dumps({**a, "SageMakerInferenceId": str(uuid.uuid4()),
                             "SageMakerInferenceTime": WHEN}) for a in answers]  # fmt: skip
        if n == 0:
            lines.append(json.dumps({"score": 0.5, "predicted_label": 1}))  # one line too many
        put(s3, bucket, f"jobs/in/p{n}.jsonl", "\n".join(requests) + "\n")
        put(s3, bucket, f"jobs/out/p{n}.jsonl.out", "\n".join(lines) + "\n")
    for side, prefix, suffix in (("input", "in", ""), ("output", "out", ".out")):
        names = [f"p{n}.jsonl{suffix}" for n in range(PARTS)]
        manifest = [{"prefix": f"s3://{bucket}/jobs/{prefix}/"}, *names]
        put(s3, bucket, f"capture/{side}/2024/03/01/10/m.json", json.dumps(manifest))
    fmt = {"sides": ["input", "output"], "datasetFormat": {"json": {"line": True}}}
    code, summary, out = run_batch(tmp_path, monkeypatch,
                                   json.dumps({"batchTransformCapture": fmt}),
                                   f"s3://{bucket}/capture")  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["records"]["failed"] == {"input and output line counts differ": 1}
    stats = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == NAMES
    assert_same_statistics((out / "statistics.json").read_bytes(), plain.read_bytes(), rel=1e-9)


def test_answers_alone_and_what_cannot_be_read(bucket, tmp_path, monkeypatch) -> None:
    """Unjoined answers read alone are the model's columns only. An answer that is not one
    JSON document (JSON Lines) fails whole; an answer one record short of its request fails
    that record; each is counted by reason with a sample, the other records are read."""
    s3 = boto3.client("s3")
    parts = _parts(6)
    _destination(s3, bucket, parts, joined=False)
    code, _, out = run_batch(tmp_path, monkeypatch, _documents(["output"]),
                             f"s3://{bucket}/capture")  # fmt: skip
    assert code == EXIT_OK
    stats = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == ["score", "predicted_label"]
    put(s3, bucket, "jobs/out/p1.json.out", '{"predictions": []}\n{"predictions": []}\n')
    short = {"predictions": parts[2][1][:-1], "SageMakerInferenceId": str(uuid.uuid4())}
    put(s3, bucket, "jobs/out/p2.json.out", json.dumps(short))
    code, summary, out = run_batch(tmp_path, monkeypatch, _documents(["input", "output"]),
                                   f"s3://{bucket}/capture")  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    records = summary["records"]
    assert records["failed"] == {
        "output is not one JSON document": 1,
        "input and output record counts differ": 1,
    }, records
    samples = {s["reason"]: s["record"] for s in records["failed_samples"]}
    assert samples["output is not one JSON document"].startswith('{"predictions": []}\n')
    assert summary["item_count"] == ROWS + ROWS - 1  # the second pair failed whole


def test_model_quality_on_json_documents(bucket, tmp_path, monkeypatch) -> None:
    """The docs' example: ``predictions[*].predicted_label`` and ``predictions[*].score``
    (JMESPaths over the answer's rows); ground truth per document, its rows in the
    request's order, merged on (SageMakerInferenceId, position), a label per line as for a
    captured batch request: every metric equals scikit-learn's on the matched rows."""
    from tests.model_quality.test_job import close, sklearn_binary

    s3 = boto3.client("s3")
    parts = _parts(7)
    ids = _destination(s3, bucket, parts, joined=True)
    rng = np.random.default_rng(8)
    labels = [[int(v) for v in rng.uniform(size=ROWS) < 0.4] for _ in parts]
    truth = [  # the first two documents' labels; the third has none
        json.dumps({"groundTruthData": {"data": "\n".join(map(str, labels[n])), "encoding": "CSV"},
                    "eventMetadata": {"eventId": ids[n]}, "eventVersion": "0"})
        for n in range(2)
    ]  # fmt: skip
    put(s3, bucket, "truth/2024/03/01/11/labels.jsonl", "\n".join(truth) + "\n")
    page = (Path(__file__).resolve().parents[1] / "docs" / "BATCH-TRANSFORM.md").read_text()
    section = page[page.index("Model quality on a transform's JSON documents") :]
    given = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
    attributes = {k: given[k] for k in ("analysis_type", "problem_type", "inference_attribute",
                                        "probability_attribute")}  # fmt: skip
    code, summary, out = run_batch(
        tmp_path, monkeypatch, json.dumps(given["dataset_format"]), f"s3://{bucket}/capture",
        ground_truth_source=f"s3://{bucket}/truth", **attributes,
    )  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert summary["merge"]["matched"] == 2 * ROWS
    assert summary["merge"]["unmatched_capture"] == ROWS
    import pandas as pd

    answers = [a for _, part in parts[:2] for a in part]
    frame = pd.DataFrame(
        {
            "label": [v for part in labels[:2] for v in part],
            "prediction": [a["predicted_label"] for a in answers],
            "probability": [a["score"] for a in answers],
        }
    )
    got = json.loads((out / "statistics.json").read_text())["binary_classification_metrics"]
    for name, value in sklearn_binary(frame, frame["probability"]).items():
        assert close(got[name]["value"], value), (name, got[name]["value"], value)


def test_a_declared_output_width_splits_joined_csv_read_alone(
    bucket, tmp_path, monkeypatch
) -> None:
    """CSV outputs joined with their input (``JoinSource=Input``) read alone: with
    ``outputColumns`` the model's values come first, then the input's copy, as when the
    outputs are paired with their inputs."""
    s3 = boto3.client("s3")
    rng = np.random.default_rng(3)
    inputs = [[round(float(v), 5) for v in rng.normal(size=3)] for _ in range(60)]
    outputs = [
        ",".join(map(str, [*row, round(float(rng.uniform()), 4), int(rng.integers(0, 2))]))
        + f",{uuid.uuid4()},{WHEN}"
        for row in inputs
    ]
    put(s3, bucket, "jobs/in/p.csv", "".join(",".join(map(str, r)) + "\n" for r in inputs))
    put(s3, bucket, "jobs/out/p.csv.out", "\n".join(outputs) + "\n")
    for side, prefix, name in (("input", "in", "p.csv"), ("output", "out", "p.csv.out")):
        manifest = [{"prefix": f"s3://{bucket}/jobs/{prefix}/"}, name]
        put(s3, bucket, f"capture/{side}/2024/03/01/10/m.json", json.dumps(manifest))

    def batch(sides: list[str], **more: object) -> str:
        fmt = {"sides": sides, "datasetFormat": {"csv": {"header": False}}, **more}
        return json.dumps({"batchTransformCapture": fmt})

    source = f"s3://{bucket}/capture"
    code, summary, alone = run_batch(tmp_path, monkeypatch, batch(["output"], outputColumns=2),
                                     source)  # fmt: skip
    assert code == EXIT_OK, (tmp_path / "message").read_text()
    assert any("outputColumns" in n for n in summary["notes"]), summary["notes"]
    code, _, paired = run_batch(tmp_path, monkeypatch, batch(["input", "output"]), source)
    assert code == EXIT_OK
    assert_same_statistics(
        (alone / "statistics.json").read_bytes(), (paired / "statistics.json").read_bytes()
    )
    code, _, _ = run_batch(tmp_path, monkeypatch, batch(["output"], outputColumns=9), source)
    assert code != EXIT_OK  # wider than the rows: one clear line, not a guess


def test_a_preprocessor_on_pairs_is_refused_before_spark(tmp_path, monkeypatch, capsys) -> None:
    """A pre-processor gets one record of one side."""
    script = tmp_path / "h.py"
    script.write_text("def preprocess_handler(r):\n    return r\n")
    code, _, _ = run_batch(tmp_path, monkeypatch, _documents(["input", "output"]), "s3://x/y",
                           record_preprocessor_script=str(script))  # fmt: skip
    assert code == EXIT_CONFIG
    assert "one record" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([{"a": 1}, {"a": 2}], [(None, '{"a":1}'), (None, '{"a":2}')]),
        ([0.1, 0.7], [(None, "[0.1]"), (None, "[0.7]")]),
        ({"predictions": [0.1, 0.2], "SageMakerInferenceId": "x"},
         [(None, "[0.1]"), (None, "[0.2]")]),
        ({"SageMakerInferenceId": "x", "label": 1, "score": 0.3},
         [(None, '{"label":1,"score":0.3}')]),
        ({"SageMakerInput": [[1, 2], [3, 4]], "SageMakerOutput": [{"s": 1}, {"s": 2}],
          "SageMakerInferenceTime": WHEN}, [("[1,2]", '{"s":1}'), ("[3,4]", '{"s":2}')]),
        ({"instances": [{"features": [1]}], "SageMakerOutput": {"predictions": [{"s": 1}]}},
         [('{"features":[1]}', '{"s":1}')]),
    ],
)  # fmt: skip
def test_where_a_documents_records_are(spark, tmp_path, document, expected) -> None:
    """An answer read alone: a top-level list of records, a list of values (one per record:
    a batch's predictions), one key holding values (each a one-value record), the whole
    document (SageMaker's additions left out), a joined answer with ``SageMakerInput`` or
    with the input's copy beside it; the id and time on every record."""
    from monitor_job.decode.documents import document_records

    path = tmp_path / "p.json.out"
    path.write_text(json.dumps(document, indent=1))
    rows, _ = document_records(spark, [str(path)], [], "output")
    got = [(r["input"], r["output"]) for r in rows.orderBy("position").collect()]
    assert got == expected
    marks = rows.select("id", "time", "reason").distinct().collect()
    ident = document.get("SageMakerInferenceId") if isinstance(document, dict) else None
    when = document.get("SageMakerInferenceTime") if isinstance(document, dict) else None
    assert [tuple(m) for m in marks] == [(ident, when, None)]
