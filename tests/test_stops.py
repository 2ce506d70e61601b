"""A stop is a stop everywhere (issue 35): SIGTERM during each phase that has its own
``try`` (rollup reads, handler sampling, the upload; model calls in
``explainability/test_stop.py``) ends the run with exit
10 and one ``Stopped:`` line, and leaves no half set of outputs; a stop that something
swallowed while the work finished still exits 10, its set complete."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import boto3
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK, EXIT_STOPPED, StoppedError
from monitor_job.io import s3
from monitor_job.outputs import finish
from monitor_job.outputs.summary import SUMMARY_FILE
from monitor_job.runtime import jvm
from tests.datasets import mixed_frame
from tests.explainability.models import write_script

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "sagemaker"


def stop_me() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def assert_stopped(code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert code == EXIT_STOPPED
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "Stopped: received signal 15; stopped before completion"


def no_set(out: Path) -> bool:
    return not out.exists() or not (out / SUMMARY_FILE).exists()


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    mixed_frame(200, seed=4).to_csv(path, index=False)
    return path


def baseline(csv: Path, out: str, *more: str) -> int:
    return main(
        ["baseline", "--dataset", str(csv), "--format", "csv", "--header", *more, "--output", out]
    )


def test_a_stop_during_the_rollup_reads(tmp_path, monkeypatch, capsys) -> None:
    """Before, the rollup's per-run ``try`` recorded the stop as "run left out" and went on."""
    intro = json.loads(
        (REFERENCE / "intro-2022_statistics_DERIVED_first29features.json").read_text()
    )
    root = tmp_path / "runs" / "2022" / "04" / "18"
    for hour in ("01", "02", "03"):
        (root / hour).mkdir(parents=True)
        (root / hour / "statistics.json").write_text(json.dumps(intro))
        (root / hour / "constraint_violations.json").write_text('{"violations": []}')
    base = tmp_path / "baseline"
    base.mkdir()
    (base / "statistics.json").write_text(json.dumps(intro))
    shutil.copy(REFERENCE / "intro-2022_constraints_FROM_LOG.json", base / "constraints.json")
    real, calls = jvm.state_header, []

    def header(*args):
        calls.append(1)
        if len(calls) == 2:
            stop_me()
        return real(*args)

    monkeypatch.setattr(jvm, "state_header", header)
    out = tmp_path / "out"
    code = main(
        ["rollup", "--runs", str(tmp_path / "runs"), "--output", str(out),
         "--baseline-statistics", str(base / "statistics.json"),
         "--baseline-constraints", str(base / "constraints.json")]
    )  # fmt: skip
    assert_stopped(code, capsys)
    assert len(calls) == 2 and no_set(out)


HANDLER = """
import os
import signal


def preprocess_handler(inference_record):
    if os.getpid() == int(os.environ["MJ_TEST_DRIVER_PID"]):  # sampled on the driver
        os.kill(os.getpid(), signal.SIGTERM)
    return {"a": 1}
"""


def test_a_stop_during_handler_sampling(tmp_path, csv, monkeypatch, capsys) -> None:
    """Before, sampling caught any exception of the handler, the stop among them."""
    monkeypatch.setenv("MJ_TEST_DRIVER_PID", str(os.getpid()))
    script = write_script(tmp_path / "handler.py", HANDLER)
    out = tmp_path / "out"
    assert_stopped(baseline(csv, str(out), "--preprocessor", str(script)), capsys)
    assert no_set(out)


def test_a_stop_during_the_upload(csv, aws, monkeypatch, capsys) -> None:
    client = boto3.client("s3")
    client.create_bucket(Bucket="mj-stops")
    real, uploads = s3.guarded, []

    def guarded(what, error, call, *args, **kwargs):
        if call.__name__ == "upload_file":
            uploads.append(args)
            if len(uploads) == 2:
                stop_me()
        return real(what, error, call, *args, **kwargs)

    monkeypatch.setattr(s3, "guarded", guarded)
    assert_stopped(baseline(csv, "s3://mj-stops/run"), capsys)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="mj-stops").get("Contents", [])}
    assert len(uploads) == 2 and f"run/{SUMMARY_FILE}" not in keys


def test_a_swallowed_stop_after_the_work_still_exits_10(tmp_path, csv, monkeypatch, capsys) -> None:
    """A library that catches everything (here the report engine) swallows the stop; the
    run finishes its set, and the CLI still exits 10."""
    real = finish.render_run

    def render(docs):
        try:
            stop_me()
        except StoppedError:
            pass
        return real(docs)

    monkeypatch.setattr(finish, "render_run", render)
    out = tmp_path / "out"
    assert_stopped(baseline(csv, str(out)), capsys)
    summary = json.loads((out / SUMMARY_FILE).read_text())
    assert set(summary["files"]) == {
        "statistics.json", "constraints.json", "analyzer_states.bin", "report.html"
    }  # fmt: skip
    monkeypatch.setattr(finish, "render_run", real)
    assert baseline(csv, str(tmp_path / "again")) == EXIT_OK
