"""The container contract without a Docker engine: the Dockerfile's install path and
multi-instance hosts forming a cluster on this machine (tests/test_image.py runs the image)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor_job.runtime.spark import DEEQU_VERSION
from tests.datasets import mixed_frame, write_csv

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def processing_config(tmp: Path, **env: str) -> Path:
    """A /opt/ml/config/processingjobconfig.json as SageMaker writes it (Environment map)."""
    data = write_csv(mixed_frame(300, seed=5), tmp / "processing" / "input" / "train.csv")
    environment = {
        "dataset_format": json.dumps({"csv": {"header": True, "output_columns_position": "START"}}),
        "dataset_source": str(data.parent),
        "output_path": str(tmp / "processing" / "output"),
        "publish_cloudwatch_metrics": "Disabled",
        "output_message_file": str(tmp / "message"),
        **env,
    }
    path = tmp / "processingjobconfig.json"
    path.write_text(json.dumps({"ProcessingJobName": "t", "Environment": environment}))
    return path


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_", "SPARK_"))}
    env.update(extra)
    return env


def test_dockerfile_runs_the_shared_install_script() -> None:
    """The image and `make setup` (so CI) install through the same script; the image is
    built and run for real in tests/test_image.py."""
    assert re.search(r"^FROM debian:bookworm-slim AS build$", DOCKERFILE, re.M)
    assert (
        "bash /src/scripts/install.sh /opt/monitor-job/venv/bin/python /opt/monitor-job/jars /src"
        in DOCKERFILE
    )
    assert f"ARG DEEQU_VERSION={DEEQU_VERSION}" in DOCKERFILE
    entry = re.findall(r"^ENTRYPOINT (.+)$", DOCKERFILE, re.M)
    assert json.loads(entry[-1]) == ["python", "-m", "monitor_job"]  # exec form: PID 1
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert "scripts/install.sh .venv/bin/python .deequ" in setup


def run_hosts(
    tmp_path: Path, secrets: dict[str, str | None], wait: int = 120
) -> dict[str, tuple[int, str]]:
    """Two "hosts" of one processing job on this machine: the leader (localhost) starts a
    master + worker, the other (127.0.0.1) joins as a worker and exits when the job ends;
    each with its own ``MONITOR_JOB_SPARK_SECRET`` (or none). (exit code, stderr) by host."""
    config = processing_config(tmp_path)
    port, ui = free_port(), free_port()
    procs = {}
    for host in ("127.0.0.1", "localhost"):  # the worker host first: it waits for the master
        resource = tmp_path / f"resource-{host}.json"
        resource.write_text(json.dumps({"current_host": host, "hosts": ["localhost", "127.0.0.1"]}))
        secret = {"MONITOR_JOB_SPARK_SECRET": secrets[host]} if secrets[host] else {}
        procs[host] = subprocess.Popen(
            [sys.executable, "-m", "monitor_job"],
            env=clean_env(
                MONITOR_JOB_PROCESSING_CONFIG=str(config),
                MONITOR_JOB_RESOURCE_CONFIG=str(resource),
                MONITOR_JOB_MASTER_PORT=str(port),
                MONITOR_JOB_MASTER_UI_PORT=str(ui),
                MONITOR_JOB_CLUSTER_WAIT_SECONDS=str(wait),
                SPARK_WORKER_DIR=str(tmp_path / f"work-{host}"),
                PYSPARK_PYTHON=sys.executable,
                **secret,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        time.sleep(1)
    try:
        _, leader_err = procs["localhost"].communicate(timeout=300)
        _, worker_err = procs["127.0.0.1"].communicate(timeout=120)
    finally:
        for proc in procs.values():
            proc.kill()
    return {
        "localhost": (procs["localhost"].returncode, leader_err),
        "127.0.0.1": (procs["127.0.0.1"].returncode, worker_err),
    }


UNAUTHENTICATED = "the Spark cluster of 2 hosts runs without authentication"


@pytest.mark.parametrize("secret", [None, "a-secret-both-hosts-share"])
def test_multi_instance_hosts_form_a_cluster(tmp_path, secret) -> None:
    """Without a secret (a WARNING says what is exposed) and with one (authenticated,
    encrypted RPC between master, workers, executors and driver: issue 35)."""
    ran = run_hosts(tmp_path, {"localhost": secret, "127.0.0.1": secret})
    (leader_code, leader_err), (worker_code, worker_err) = ran["localhost"], ran["127.0.0.1"]
    assert leader_code == 0, leader_err[-3000:]
    assert worker_code == 0, worker_err[-3000:]
    assert "up with 2 worker(s)" in leader_err
    assert "joins Spark master" in worker_err
    assert (UNAUTHENTICATED in leader_err) is (secret is None)
    out = tmp_path / "processing" / "output"
    assert json.loads((out / "statistics.json").read_text())["dataset"]["item_count"] == 300
    for host in ("localhost", "127.0.0.1"):  # each host's worker ran an executor of the job
        assert list((tmp_path / f"work-{host}").glob("app-*")), host
    if secret:
        assert secret not in leader_err + worker_err


def test_a_host_without_the_secret_cannot_join(tmp_path) -> None:
    """The leader's cluster authenticates: a worker that does not know the secret is not
    let in (the job fails to form its cluster, exit 9, in one line)."""
    ran = run_hosts(tmp_path, {"localhost": "the-leaders-secret", "127.0.0.1": None}, wait=25)
    code, err = ran["localhost"]
    assert code == 9, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("ClusterError: only 1 of 2 hosts joined")


def test_the_deequ_jar_is_checked_against_the_digest_pinned_here(tmp_path) -> None:
    """The jar's SHA-256 is in the repository (issue 35): the installed jar matches it; a
    version with no pinned digest is refused."""
    import hashlib

    script = REPO / "scripts" / "install-deequ.sh"
    pinned = re.search(rf"{re.escape(DEEQU_VERSION)}\) want=([0-9a-f]{{64}})", script.read_text())
    assert pinned is not None
    installed = REPO / ".deequ" / f"deequ-{DEEQU_VERSION}.jar"
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == pinned.group(1)
    present = subprocess.run(
        ["bash", str(script), str(REPO / ".deequ")], capture_output=True, text=True, check=True
    )
    assert present.stdout.strip().endswith("present")
    unknown = subprocess.run(
        ["bash", str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DEEQU_VERSION": "9.9.9-spark-9"},
    )
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip()
        == f"deequ: no SHA-256 pinned for deequ-9.9.9-spark-9.jar in {script}"
    )
    assert not any(tmp_path.iterdir())
