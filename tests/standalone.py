"""A Spark standalone cluster on 127.0.0.1 from the installed PySpark: a master and workers
of given cores and memory, each a process of its own (a worker can be killed mid-run). Used
by the cluster tests and by ``scripts/bench_cluster.py``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
REPO = Path(__file__).resolve().parents[1]


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


@dataclass
class Standalone:
    url: str
    tmp: Path
    ui: int
    master: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def alive(self) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=2) as r:
                return int(json.load(r).get("aliveworkers", 0))
        except OSError:
            return 0

    def kill_worker(self, i: int) -> None:
        """SIGKILL to worker ``i`` and the executors it started (its process group)."""
        os.killpg(self.workers[i].pid, signal.SIGKILL)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(SPARK_HOME / "bin" / "spark-class"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,  # its own process group: the worker and its executors
    )


@contextmanager
def standalone(
    tmp: Path, workers: int = 2, cores: int = 1, memory: str = "1g"
) -> Iterator[Standalone]:
    """A master and ``workers`` workers, up and registered; all stopped on leaving."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = spark_env(tmp)
    port, ui = free_port(), free_port()
    master = _spawn(
        [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)),
        ],
        env,
        tmp / "master.log",
    )
    cluster = Standalone(f"spark://127.0.0.1:{port}", tmp, ui, master)
    try:
        for i in range(workers):
            cluster.workers.append(
                _spawn(
                    [
                        "org.apache.spark.deploy.worker.Worker",
                        cluster.url,
                        *("--host", "127.0.0.1", "--cores", str(cores), "--memory", memory),
                        *("--webui-port", str(free_port()), "--work-dir", str(tmp / f"work{i}")),
                    ],
                    env,
                    tmp / f"worker{i}.log",
                )
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and cluster.alive() < workers:
            time.sleep(1)
        assert cluster.alive() == workers, (tmp / "master.log").read_text()[-2000:]
        yield cluster
    finally:
        for proc in [*cluster.workers, master]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*cluster.workers, master]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Submitted:
    seconds: float
    out: Path  # the baseline's output folder
    events: Path  # its Spark event log's folder
    killed_at: float | None  # seconds into the run worker 1 was killed, if it was


def submit_baseline(
    master: str,
    work: Path,
    name: str,
    data: Path | str,
    confs: list[str],
    kill: Standalone | None = None,
) -> Submitted:
    """The data-quality baseline of ``data`` (captures: a folder or an s3:// prefix) through
    scripts/spark-submit.sh,
    its event log kept; with ``kill``, that cluster's worker 1 is SIGKILLed once a stage of
    100 tasks or more (the profile's scan) is a third done."""
    out, events = work / name / "out", work / name / "events"
    shutil.rmtree(work / name, ignore_errors=True)
    events.mkdir(parents=True)
    ui = free_port()
    command = [
        "bash", str(REPO / "scripts" / "spark-submit.sh"), "--master", master,
        "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=file://{events}",
        "--conf", "spark.eventLog.logStageExecutorMetrics=true",
        "--conf", "spark.ui.enabled=true", "--conf", f"spark.ui.port={ui}", *confs,
        "--", "baseline", "--dataset", str(data), "--format", "capture", "--output", str(out),
    ]  # fmt: skip
    env = {**spark_env(work), "MONITOR_JOB_PYFILES": str(work / "monitor-job.zip")}
    log = work / f"{name}.log"
    started = time.perf_counter()
    killed_at = None
    with log.open("w") as sink:
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        if kill is not None:
            while proc.poll() is None and not _scan_third_done(ui):
                time.sleep(0.25)
            if proc.poll() is None:
                kill.kill_worker(1)
                killed_at = time.perf_counter() - started
        code = proc.wait()
    assert code == 0, f"{name} exited {code}: " + log.read_text()[-3000:]
    return Submitted(time.perf_counter() - started, out, events, killed_at)


def _scan_third_done(ui: int) -> bool:
    base = f"http://127.0.0.1:{ui}/api/v1/applications"
    try:
        with urllib.request.urlopen(base, timeout=2) as reply:
            app = json.load(reply)[0]["id"]
        with urllib.request.urlopen(f"{base}/{app}/stages?status=active", timeout=2) as reply:
            active = json.load(reply)
    except (OSError, ValueError, IndexError, KeyError):
        return False
    return any(s["numTasks"] >= 100 and s["numCompleteTasks"] * 3 >= s["numTasks"] for s in active)
