"""Model quality with ``record_preprocessor_script`` (the seed's handler shape, both
signatures) and ``post_analytics_processor_script``: the handler's rows feed the merge with
ground truth, and equal the same records read without it; a failing handler is counted."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from monitor_job.errors import EXIT_OK
from tests.datasets import write_lines
from tests.model_quality.test_job import WINDOW, capture, hour, read, run_mq, truth

SEED_HANDLER = """
import base64


def preprocess_handler({args}):
    {raise_line}
    input_data = inference_record.endpoint_input.data
    decoded_input_data = base64.b64decode(input_data).decode("UTF-8")
    output_data = inference_record.endpoint_output.data
    decoded_output_data = base64.b64decode(output_data).decode("UTF-8")
    outputs = decoded_output_data + "," + decoded_input_data
    return {{str(i).zfill(20): d for i, d in enumerate(outputs.split(","))}}
"""
POSTPROCESS = """
from pathlib import Path


def postprocess_handler():
    Path(__file__).with_name("post-ran").write_text("after the analysis")
"""
CAPTURE_FORMAT = json.dumps({"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}})
MERGED_FORMAT = json.dumps({"sagemakerMergeJson": {"captureIndexNames": ["endpointOutput"]}})


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def window(tmp: Path, merged: bool) -> Path:
    """400 scored requests (base64 CSV: the probability; the request's two features) and
    their labels, as captures plus ground truth, or as merged records."""
    rng = np.random.default_rng(8)
    label = rng.integers(0, 2, 400)
    prob = np.clip(0.5 + 0.3 * (label - 0.5) + rng.normal(0, 0.2, 400), 0, 1).round(4)
    lines, labels = [], []
    for i, (p, y) in enumerate(zip(prob, label, strict=True)):
        record = json.loads(capture(f"ev-{i}", str(p), "BASE64", i * 8))  # encodes it
        record["captureData"]["endpointInput"] = {
            "data": b64(f"{i % 7},{i % 3}"),
            "encoding": "BASE64",
        }
        if merged:
            record["groundTruthData"] = {"data": str(y), "encoding": "CSV"}
        lines.append(json.dumps(record))
        labels.append(truth(f"ev-{i}", str(y)))
    root = tmp / ("merged" if merged else "capture")
    write_lines(lines, hour(root, "ep/AllTraffic", 10) / "part-0.jsonl")
    if not merged:
        write_lines(labels, hour(tmp / "gt", "", 10) / "labels.jsonl")
    return root


def mq(monkeypatch, tmp: Path, root: Path, merged: bool, out: str, **env: str) -> tuple[int, str]:
    sources = {} if merged else {"ground_truth_source": str(tmp / "gt")}
    return run_mq(
        monkeypatch,
        tmp,
        dataset_format=MERGED_FORMAT if merged else CAPTURE_FORMAT,
        dataset_source=str(root),
        output_path=str(tmp / out),
        problem_type="BinaryClassification",
        probability_threshold_attribute="0.5",
        **sources,
        **WINDOW,
        **env,
    )


@pytest.mark.parametrize(
    ("args", "merged"),
    [("inference_record", False), ("inference_record, logger", True)],
)
def test_the_seed_handler_equals_reading_the_output(
    tmp_path, monkeypatch, spark, args, merged
) -> None:
    root = window(tmp_path, merged)
    script = tmp_path / "preprocessor.py"
    script.write_text(SEED_HANDLER.format(args=args, raise_line=""))
    post = tmp_path / "post" / "postprocessor.py"
    post.parent.mkdir()
    post.write_text(POSTPROCESS)
    code, message = mq(monkeypatch, tmp_path, root, merged, "plain", probability_attribute="0")
    assert code == EXIT_OK, message
    code, message = mq(
        monkeypatch, tmp_path, root, merged, "handled",
        record_preprocessor_script=str(script),
        post_analytics_processor_script=str(post),
        probability_attribute="00000000000000000000",  # the seed's zero-padded key
    )  # fmt: skip
    assert code == EXIT_OK, message
    plain, handled = (read(tmp_path / d / "statistics.json") for d in ("plain", "handled"))
    # Every metric's value; standard deviations are of random 80% samples drawn with
    # Spark's rand(seed), which follows the rows' partitioning, not their content.
    for name, metric in plain["binary_classification_metrics"].items():
        got = handled["binary_classification_metrics"][name]
        if "value" in metric:
            assert got["value"] == metric["value"], name
        else:  # the confusion matrix and the curves
            assert got == metric, name
    summary = read(tmp_path / "handled" / "monitor-job-summary.json")
    assert summary["item_count"] == 400 and summary["records"]["failed"] == {}
    assert (post.parent / "post-ran").read_text() == "after the analysis"


def test_a_handler_that_raises_is_counted_and_sampled(tmp_path, monkeypatch, spark) -> None:
    root = window(tmp_path, merged=False)
    script = tmp_path / "preprocessor.py"
    raise_line = (
        'if inference_record.event_metadata.event_id.endswith("7"):\n'
        '        raise ValueError("cannot read " + inference_record.event_metadata.event_id)'
    )
    script.write_text(SEED_HANDLER.format(args="inference_record, logger", raise_line=raise_line))
    code, message = mq(
        monkeypatch, tmp_path, root, False, "handled",
        record_preprocessor_script=str(script), probability_attribute="0",
    )  # fmt: skip
    assert code == EXIT_OK, message
    summary = read(tmp_path / "handled" / "monitor-job-summary.json")
    failed = sum(1 for i in range(400) if str(i).endswith("7"))
    assert summary["records"]["failed"] == {"handler exception: ValueError": failed}
    sample = summary["records"]["failed_samples"][0]
    assert (
        sample["reason"] == "handler exception: ValueError"
        and "cannot read ev-" in sample["record"]
    )
    assert summary["merge"]["matched"] == 400 - failed


def test_an_attribute_the_handler_does_not_return_is_named(tmp_path, monkeypatch, spark) -> None:
    root = window(tmp_path, merged=False)
    script = tmp_path / "preprocessor.py"
    script.write_text(SEED_HANDLER.format(args="inference_record", raise_line=""))
    code, message = mq(
        monkeypatch, tmp_path, root, False, "o",
        record_preprocessor_script=str(script), probability_attribute="score",
    )  # fmt: skip
    assert code != EXIT_OK
    assert "probability_attribute 'score' is not one of the columns" in message
    assert not (tmp_path / "o" / "statistics.json").exists()
