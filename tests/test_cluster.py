"""A real Spark standalone cluster on 127.0.0.1 (a master and two workers from the installed
PySpark): baseline and monitoring through scripts/spark-submit.sh give local mode's outputs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from tests.datasets import json_capture_lines, mixed_frame, write_lines
from tests.standalone import spark_env, standalone

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("cluster")
    with standalone(tmp, workers=2) as running:
        yield running.url, tmp


def submit(cluster: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(REPO / "scripts" / "spark-submit.sh"),
            "--master",
            cluster,
            "--conf",
            "spark.executor.memory=768m",
            "--conf",
            "spark.sql.shuffle.partitions=4",
            "--",
            *args,
        ],
        env={**spark_env(tmp), "MONITOR_JOB_PYFILES": str(tmp / "monitor-job.zip")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def canonical(doc: Any) -> Any:
    """Sketch items as sorted multisets (partition order differs between runs); floats
    rounded to 12 significant digits (sums are added in a different order)."""
    if isinstance(doc, dict):
        out = {k: canonical(v) for k, v in doc.items()}
        if "sketch" in out:
            out["sketch"]["data"] = sorted(x for level in out["sketch"]["data"] for x in level)
        return out
    if isinstance(doc, list):
        return [canonical(v) for v in doc]
    if isinstance(doc, float):
        return float(f"{doc:.12g}")
    return doc


def test_spark_submit_on_a_standalone_cluster_matches_local(cluster, tmp_path, spark) -> None:
    master, cluster_dir = cluster
    rng = np.random.default_rng(9)
    train = mixed_frame(1200, seed=21)
    for part in range(3):  # several files: several partitions spread over both workers
        write_lines(json_capture_lines(train.iloc[part::3]), tmp_path / "train" / f"p{part}.jsonl")
    window = mixed_frame(900, seed=22)
    window["income"] = window["income"] + rng.normal(2000.0, 10.0, len(window))
    for part in range(3):
        write_lines(
            json_capture_lines(window.iloc[part::3]),
            tmp_path / "capture" / "ep" / "v" / "2024" / "03" / "01" / "10" / f"p{part}.jsonl",
        )
    fmt = ["--format", "capture"]
    results = {}
    for mode in ("local", "cluster"):
        base, mon = tmp_path / mode / "baseline", tmp_path / mode / "monitor"
        baseline_args = [
            "baseline",
            "--dataset",
            str(tmp_path / "train"),
            *fmt,
            "--output",
            str(base),
        ]
        monitor_args = [
            "monitor",
            "--dataset",
            str(tmp_path / "capture"),
            *fmt,
            "--output",
            str(mon),
            "--baseline-statistics",
            str(base / "statistics.json"),
            "--baseline-constraints",
            str(base / "constraints.json"),
            "--start",
            "2024-03-01T10:00:00Z",
            "--end",
            "2024-03-01T11:00:00Z",
        ]
        for args in (baseline_args, monitor_args):
            if mode == "local":
                assert main(args) == EXIT_OK
            else:
                done = submit(master, tmp_path, *args)
                assert done.returncode == 0, done.stderr[-3000:]
        results[mode] = {
            f"{d.name}/{name}": canonical(read(d / name))
            for d, names in (
                (base, ("statistics.json", "constraints.json")),
                (mon, ("statistics.json", "constraint_violations.json")),
            )
            for name in names
        }
    assert results["cluster"] == results["local"]
    for worker in ("work0", "work1"):  # both workers ran executors of both applications
        assert len(list((cluster_dir / worker).glob("app-*"))) == 2, worker
    violations = results["cluster"]["monitor/constraint_violations.json"]["violations"]
    assert ("income", "baseline_drift_check") in {
        (v["feature_name"], v["constraint_check_type"]) for v in violations
    }
