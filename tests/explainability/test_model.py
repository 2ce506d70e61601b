"""The model reached three ways (a predict script, an HTTP server speaking the inference
container protocol, a SageMaker endpoint through boto3's InvokeEndpoint) gives the same
analysis.json, in each content type; throttling is retried; a model that fails, times out
or answers the wrong number of rows is one clear line, its own exit code, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_MODEL, EXIT_OK
from tests.explainability.models import (
    LINEAR,
    boosted_model,
    features,
    write_config,
    write_script,
)

SHAP = {"num_samples": 32, "num_clusters": 4, "seed": 5}


def run(tmp_path: Path, predictor: dict, name: str, rows: int = 60) -> tuple[int, Path]:
    data = tmp_path / "data" / "data.csv"
    if not data.exists():
        data.parent.mkdir()
        features(rows, 9).to_csv(data, index=False)
    config = write_config(tmp_path / f"{name}.json", predictor, **SHAP)
    out = tmp_path / name
    args = ["explain", "--dataset", str(data), "--analysis-config", str(config)]
    return main([*args, "--output", str(out)]), out


def test_three_ways_to_the_model_give_the_same_analysis(
    spark,
    tmp_path,
    model_server,
    monkeypatch,
) -> None:
    script = boosted_model(tmp_path)
    url = model_server(script)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    ways = {
        "script": {"predict_script": str(script)},
        "http": {"endpoint_url": url},
        "endpoint": {"endpoint_name": "churn-endpoint"},
        "jsonlines": {
            "endpoint_url": url,
            "content_type": "application/jsonlines",
            "content_template": '{"features":$features}',
            "probability": "score",
        },
        "json": {
            "endpoint_url": url,
            "content_type": "application/json",
            "content_template": '{"instances":$records}',
            "record_template": "$features",
            "accept_type": "application/json",
            "probability": "predictions[*].score",
        },
    }
    outputs = {}
    for name, predictor in ways.items():
        code, out = run(tmp_path, predictor, name)
        assert code == EXIT_OK, name
        outputs[name] = (out / "analysis.json").read_bytes()
    assert len(set(outputs.values())) == 1, {k: v[:300] for k, v in outputs.items()}
    summary = json.loads((tmp_path / "endpoint" / "monitor-job-summary.json").read_text())
    calls = summary["explainability"]["model_calls"]
    assert calls["requests"] >= 60 and calls["rows"] > 60 * 32


THROTTLED = (
    LINEAR
    + """
import threading

CALLS = [0]
LOCK = threading.Lock()


class Throttled(Exception):
    status = 429


_predict = predict


def predict(rows):
    with LOCK:
        CALLS[0] += 1
        if CALLS[0] % 3 == 0:
            raise Throttled("slow down")
    return _predict(rows)
"""
)


def test_throttling_is_retried_and_counted(spark, tmp_path, model_server) -> None:
    url = model_server(write_script(tmp_path / "throttled.py", THROTTLED))
    code, out = run(tmp_path, {"endpoint_url": url}, "out")
    assert code == EXIT_OK
    calls = json.loads((out / "monitor-job-summary.json").read_text())["explainability"]
    assert calls["model_calls"]["retries"] > 0
    plain = write_script(tmp_path / "linear.py", LINEAR)
    code, direct = run(tmp_path, {"predict_script": str(plain)}, "direct")
    assert (out / "analysis.json").read_bytes() == (direct / "analysis.json").read_bytes()


FAULTS = {
    "raises": (
        "def predict(rows):\n    raise ValueError('model file is corrupt')\n",
        "answered HTTP 500",
        "model file is corrupt",
    ),
    "slow": (
        "import time\n\ndef predict(rows):\n    time.sleep(3)\n    return rows[:, 0]\n",
        "did not answer within 1 s",
        None,
    ),
    "in the tasks": (  # the driver's call on the background (4 rows) succeeds
        "def predict(rows):\n    if len(rows) > 10:\n        raise RuntimeError('out of memory')\n"
        "    return rows[:, 0]\n",
        "answered HTTP 500",
        "out of memory",
    ),
    "short": (
        "def predict(rows):\n    return rows[:-1, 0] if len(rows) > 1 else rows[:, 0]\n",
        "row(s) for",
        None,
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_model_is_one_line_and_its_exit_code(
    spark,
    tmp_path,
    model_server,
    capsys,
    fault,
) -> None:
    source, says, quoted = FAULTS[fault]
    url = model_server(write_script(tmp_path / "model.py", source))
    code, out = run(tmp_path, {"endpoint_url": url, "timeout_seconds": 1}, "out", rows=20)
    assert code == EXIT_MODEL
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.startswith("ModelError: "))
    assert f"model server {url}" in line and says in line, line
    if quoted:
        assert quoted in line
    assert not (out / "analysis.json").exists() and not (out / "report.html").exists()
