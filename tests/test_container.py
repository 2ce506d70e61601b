"""The container contract without a Docker engine: the image's install path into a fresh
virtualenv, the Dockerfile's shape, multi-instance hosts forming a cluster; and, where an
engine runs, the image itself (skipped otherwise)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import venv
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
    assert re.search(r"^FROM python:\d+\.\d+\.\d+-slim-\w+$", DOCKERFILE, re.M), "pinned base"
    assert "bash /src/scripts/install.sh python /opt/monitor-job/jars /src" in DOCKERFILE
    assert f"ARG DEEQU_VERSION={DEEQU_VERSION}" in DOCKERFILE
    assert "MONITOR_JOB_DEEQU_JAR=/opt/monitor-job/jars/deequ-${DEEQU_VERSION}.jar" in DOCKERFILE
    assert "openjdk-17-jre-headless" in DOCKERFILE
    user = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert user and user[-1] not in ("root", "0")
    entry = re.findall(r"^ENTRYPOINT (.+)$", DOCKERFILE, re.M)
    assert json.loads(entry[-1]) == ["python", "-m", "monitor_job"]  # exec form
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert "scripts/install.sh .venv/bin/python .deequ" in setup  # make setup / CI: same path


def test_image_install_path_into_a_fresh_venv(tmp_path) -> None:
    """scripts/install.sh exactly as the Dockerfile runs it (non-editable, no test extras),
    then the installed entrypoint in container mode with the container's environment."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    jars = tmp_path / "jars"
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "install.sh"), str(python), str(jars), str(REPO)],
        env=clean_env(DEEQU_SEED_DIR=str(REPO / ".deequ")),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "install: monitor-job" in done.stdout
    site = subprocess.run(
        [str(python), "-c", "import monitor_job; print(monitor_job.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(env_dir) in site  # the installed copy, not the repo
    config = processing_config(tmp_path)
    run = subprocess.run(
        [str(python), "-m", "monitor_job"],
        env=clean_env(
            MONITOR_JOB_PROCESSING_CONFIG=str(config),
            MONITOR_JOB_DEEQU_JAR=str(jars / f"deequ-{DEEQU_VERSION}.jar"),
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "processing" / "output"
    assert json.loads((out / "statistics.json").read_text())["dataset"]["item_count"] == 300
    assert (tmp_path / "message").read_text().startswith("Completed:")


def test_multi_instance_hosts_form_a_cluster(tmp_path) -> None:
    """Two "hosts" of one processing job on this machine: the leader (localhost) starts a
    master + worker, the other (127.0.0.1) joins as a worker and exits when the job ends."""
    config = processing_config(tmp_path)
    port, ui = free_port(), free_port()
    procs = {}
    for host in ("127.0.0.1", "localhost"):  # the worker host first: it waits for the master
        resource = tmp_path / f"resource-{host}.json"
        resource.write_text(json.dumps({"current_host": host, "hosts": ["localhost", "127.0.0.1"]}))
        procs[host] = subprocess.Popen(
            [sys.executable, "-m", "monitor_job"],
            env=clean_env(
                MONITOR_JOB_PROCESSING_CONFIG=str(config),
                MONITOR_JOB_RESOURCE_CONFIG=str(resource),
                MONITOR_JOB_MASTER_PORT=str(port),
                MONITOR_JOB_MASTER_UI_PORT=str(ui),
                MONITOR_JOB_CLUSTER_WAIT_SECONDS="120",
                SPARK_WORKER_DIR=str(tmp_path / f"work-{host}"),
                PYSPARK_PYTHON=sys.executable,
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
    assert procs["localhost"].returncode == 0, leader_err[-3000:]
    assert procs["127.0.0.1"].returncode == 0, worker_err[-3000:]
    assert "up with 2 worker(s)" in leader_err
    assert "joins Spark master" in worker_err
    out = tmp_path / "processing" / "output"
    assert json.loads((out / "statistics.json").read_text())["dataset"]["item_count"] == 300
    for host in ("localhost", "127.0.0.1"):  # each host's worker ran an executor of the job
        assert list((tmp_path / f"work-{host}").glob("app-*")), host


def _docker():
    try:
        import docker

        client = docker.from_env()
        client.ping()
        return client
    except Exception:
        return None


@pytest.mark.skipif(_docker() is None, reason="no Docker engine on this machine")
def test_image_builds_and_runs_container_mode(tmp_path) -> None:
    client = _docker()
    image, _ = client.images.build(path=str(REPO), tag="monitor-job:test", rm=True)
    config = processing_config(tmp_path)
    doc = json.loads(config.read_text())
    doc["Environment"].update(
        dataset_source="/opt/ml/processing/input",
        output_path="/opt/ml/processing/output",
        output_message_file="/opt/ml/output/message",
    )
    config.write_text(json.dumps(doc))
    (tmp_path / "out").mkdir(mode=0o777)
    os.chmod(tmp_path / "out", 0o777)
    client.containers.run(
        image.id,
        remove=True,
        volumes={
            str(config): {"bind": "/opt/ml/config/processingjobconfig.json", "mode": "ro"},
            str(tmp_path / "processing" / "input"): {
                "bind": "/opt/ml/processing/input",
                "mode": "ro",
            },
            str(tmp_path / "out"): {"bind": "/opt/ml/processing/output", "mode": "rw"},
        },
    )
    assert (
        json.loads((tmp_path / "out" / "statistics.json").read_text())["dataset"]["item_count"]
        == 300
    )
