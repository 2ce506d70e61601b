"""A stop while the executors call the model (issue 35): exit 10, one ``Stopped:`` line,
no outputs."""

from __future__ import annotations

from monitor_job.cli import main
from tests.explainability.models import LINEAR, features, write_config, write_script
from tests.test_stops import assert_stopped, no_set

# The model the server answers with: the linear one, sending SIGTERM to this process
# (the job's driver: the server runs in it) at its third request, past the driver's own
# call for the expected value, so while the Spark tasks are calling it.
STOPPING = (
    LINEAR
    + """
import os
import signal

_linear = predict
CALLS = []


def predict(rows):
    CALLS.append(1)
    if len(CALLS) == 3:
        os.kill(os.getpid(), signal.SIGTERM)
    return _linear(rows)
"""
)


def test_a_stop_during_model_calls(spark, tmp_path, model_server, capsys) -> None:
    url = model_server(write_script(tmp_path / "stopping.py", STOPPING))
    features(60, 3).to_csv(tmp_path / "data.csv", index=False)
    config = write_config(
        tmp_path / "config.json", {"endpoint_url": url}, num_samples=40, num_clusters=5
    )
    out = tmp_path / "out"
    code = main(
        ["explain", "--dataset", str(tmp_path / "data.csv"), "--analysis-config", str(config),
         "--output", str(out)]
    )  # fmt: skip
    spark.sparkContext.cancelAllJobs()  # in a container the process would be gone
    assert_stopped(code, capsys)
    assert no_set(out) and not (out / "analysis.json").exists()
