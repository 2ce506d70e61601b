"""A real Spark standalone cluster on 127.0.0.1 (a master and two workers from the installed
PySpark): baseline and monitoring through scripts/spark-submit.sh give local mode's outputs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyspark
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from tests.datasets import json_capture_lines, mixed_frame, write_lines

REPO = Path(__file__).resolve().parents[1]
SPARK_HOME = Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spark_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(SPARK_HOME),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_LOG_DIR=str(tmp / "logs"),
        PYSPARK_PYTHON=sys.executable,
        SPARK_NO_DAEMONIZE="1",
    )
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("cluster")
    env = spark_env(tmp)
    port, ui = free_port(), free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    procs = [
        subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(ui),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "master.log").open("w"),
        )
    ]
    url = f"spark://127.0.0.1:{port}"
    for i in range(2):
        procs.append(
            subprocess.Popen(
                [
                    spark_class,
                    "org.apache.spark.deploy.worker.Worker",
                    url,
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "1g",
                    "--webui-port",
                    str(free_port()),
                    "--work-dir",
                    str(tmp / f"work{i}"),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / f"worker{i}.log").open("w"),
            )
        )
    try:
        deadline = time.monotonic() + 90
        alive = 0
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as r:
                    alive = int(json.load(r).get("aliveworkers", 0))
            except OSError:
                alive = 0
            if alive == 2:
                break
            time.sleep(1)
        assert alive == 2, (tmp / "master.log").read_text()[-2000:]
        yield url, tmp
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


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
