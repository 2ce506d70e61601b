"""Killed and stopped jobs leave no partial output and rerun to the same files; metrics
publication failures keep the files; `validate` shows decoding without analysing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_INPUT, EXIT_METRICS, EXIT_OK, EXIT_STOPPED
from monitor_job.outputs import cloudwatch
from tests.compare import assert_same_statistics
from tests.data_quality.test_cloudwatch import ThrottlingProxy
from tests.datasets import capture_line, json_capture_lines, write_lines

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four files (four partitions, whose states Spark merges in any order), ~5 s of work."""
    rng = np.random.default_rng(3)
    n = 300_000
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "x": rng.normal(size=n).round(5),
            "y": rng.integers(0, 10_000, n),
            "s": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    path = tmp_path_factory.mktemp("big") / "data"
    path.mkdir()
    for i in range(4):
        frame.iloc[i * n // 4 : (i + 1) * n // 4].to_csv(path / f"part-{i}.csv", index=False)
    return path


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_", "SPARK_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor_job", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**env, "PYSPARK_PYTHON": sys.executable},
    )


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 120) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never logged:\n{''.join(seen)[-3000:]}")


def visible_outputs(out: Path) -> dict[str, bytes]:
    if not out.exists():
        return {}
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name[0] != "."}


OUTPUTS = {
    "statistics.json",
    "constraints.json",
    "analyzer_states.bin",
    "monitor-job-summary.json",
    "report.html",
}


def assert_all_complete(out: Path) -> None:
    for name, data in visible_outputs(out).items():
        assert name in OUTPUTS
        if name.endswith(".json"):
            json.loads(data)  # a partial file would not parse
        elif name.endswith(".bin"):
            assert data.startswith(b"\x00\x1emonitor-job analyzer states v2")
        else:
            assert data.rstrip().endswith(b"</html>")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGKILL, -9), (signal.SIGTERM, EXIT_STOPPED)])
def test_interrupted_job_leaves_no_partial_file_and_reruns_identically(
    big_csv, tmp_path, spark, sig, code
) -> None:
    out = tmp_path / "out"
    args = ["baseline", "--dataset", str(big_csv), "--output", str(out)]
    proc = start(args, tmp_path)
    wait_for_line(proc, "input:")
    time.sleep(1.0)  # Spark is reading and profiling now
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err[-2000:]
    if sig == signal.SIGTERM:
        assert err.strip().splitlines()[-1].startswith("Stopped: received signal 15")
        assert not [p for p in out.glob(".*.tmp")] if out.exists() else True
    assert_all_complete(out)
    assert "statistics.json" not in visible_outputs(out)

    assert main(args) == EXIT_OK  # the rerun completes ...
    first = visible_outputs(out)
    again = tmp_path / "again"
    assert main(["baseline", "--dataset", str(big_csv), "--output", str(again)]) == EXIT_OK
    second = visible_outputs(again)
    assert set(first) == OUTPUTS
    # ... and the same files, to the byte: the four partitions' states are folded in
    # partition order, whatever order Spark's tasks finish in.
    assert first["constraints.json"] == second["constraints.json"]
    assert first["statistics.json"] == second["statistics.json"]
    assert first["analyzer_states.bin"] == second["analyzer_states.bin"]


def test_same_statistics_helper_catches_a_difference() -> None:
    doc = {
        "features": [
            {
                "name": "x",
                "numerical_statistics": {
                    "common": {"num_present": 1000},
                    "mean": 1.0,
                    "distribution": {
                        "kll": {"buckets": [{"lower_bound": 0, "upper_bound": 1, "count": 1000}]}
                    },
                },
            }
        ]
    }
    same = json.dumps(doc).encode()
    assert_same_statistics(same, same)
    off = json.loads(same)
    off["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"][0]["count"] = 900
    with pytest.raises(AssertionError):
        assert_same_statistics(same, json.dumps(off).encode())
    off = json.loads(same)
    off["features"][0]["numerical_statistics"]["mean"] = 1.5
    with pytest.raises(AssertionError):
        assert_same_statistics(same, json.dumps(off).encode())
    off["features"][0]["numerical_statistics"]["mean"] = 1.0 + 1e-12  # summed in another order
    assert_same_statistics(same, json.dumps(off).encode(), rel=1e-9)
    with pytest.raises(AssertionError):
        assert_same_statistics(same, json.dumps(off).encode())


def test_metrics_publish_failure_keeps_every_file(tmp_path, monkeypatch, aws) -> None:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"label": rng.integers(0, 2, 200), "v": rng.normal(size=200).round(3)})
    write_lines(json_capture_lines(frame), tmp_path / "cap" / "c.jsonl")
    base = tmp_path / "base"
    fmt = ["--format", "capture"]
    assert main(["baseline", "--dataset", str(tmp_path / "cap"), *fmt, "--output", str(base)]) == 0
    monkeypatch.setattr(cloudwatch, "MAX_ATTEMPTS", 1)
    out = tmp_path / "mon"
    with ThrottlingProxy(aws, throttle=1000) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        code = main(
            [
                "monitor",
                "--dataset",
                str(tmp_path / "cap"),
                *fmt,
                "--output",
                str(out),
                "--baseline-statistics",
                str(base / "statistics.json"),
                "--baseline-constraints",
                str(base / "constraints.json"),
                "--endpoint",
                "ep",
                "--publish-metrics",
            ]
        )
    assert code == EXIT_METRICS
    assert proxy.throttled == 1
    files = visible_outputs(out)
    assert {"statistics.json", "constraint_violations.json", "monitor-job-summary.json"} <= set(
        files
    )
    summary = json.loads(files["monitor-job-summary.json"])
    assert summary["cloudwatch"]["put_metric_data"]["status"] == "failed"
    assert "Throttling" in summary["cloudwatch"]["put_metric_data"]["error"]
    assert (out / "metrics" / "cloudwatch" / "cloudwatch_metrics.jsonl").is_file()


def test_validate_shows_rows_and_every_error(spark, tmp_path, capsys) -> None:
    when = "2024-03-01T10:15:00Z"
    broken = json.loads(capture_line("1", "2,3", "BASE64", "text/csv", when))
    broken["captureData"]["endpointInput"]["data"] = "%%%"  # not base64
    lines = [
        capture_line("1", "2,3", "CSV", "text/csv", when),
        "{not json",
        capture_line("0", "4,5,6", "CSV", "text/csv", when),
        json.dumps(broken),
        capture_line("0", "7,8", "CSV", "text/csv", when),
    ]
    write_lines(lines, tmp_path / "cap" / "f.jsonl")
    code = main(["validate", "--dataset", str(tmp_path / "cap"), "--rows", "10"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    assert "columns (3):" in captured.out and "decoded rows (2):" in captured.out
    assert "[malformed JSON line] {not json" in captured.out
    assert "[wrong column count]" in captured.out and "[bad base64]" in captured.out
    assert captured.err.strip().splitlines()[-1] == (
        "InputDataError: 3 of 5 record(s) examined failed to decode "
        "(1 bad base64, 1 malformed JSON line, 1 wrong column count)"
    )
    assert not list(tmp_path.glob("**/statistics.json"))

    good = tmp_path / "good.csv"
    good.write_text("a,b\n1,x\n2,y\n")
    assert main(["validate", "--dataset", str(good), "--format", "csv", "--header"]) == EXIT_OK
    assert "validate: all 2 record(s) examined decode" in capsys.readouterr().out
