"""The image, built and run the way SageMaker Processing runs it.

A private Docker engine (scripts/docker-engine.sh) builds the Dockerfile from a base made
of Debian's packages (no registry is reachable here) and the tests start containers as
SageMaker does: no arguments, /opt/ml/config/processingjobconfig.json and
resourceconfig.json mounted, inputs read-only under /opt/ml/processing/. Results are
compared with the same run in local mode in this process. In CI (CI=true) these tests run
and never skip; elsewhere they skip, with the reason, when no engine can start.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from monitor_job.cli import main
from monitor_job.errors import EXIT_CONFIG, EXIT_OK, EXIT_STOPPED
from tests.compare import assert_close, assert_same_statistics
from tests.datasets import csv_capture_lines, mixed_frame, write_csv, write_lines
from tests.proxy import ForwardingProxy

REPO = Path(__file__).resolve().parents[1]
ENGINE = REPO / "scripts" / "docker-engine.sh"
TAG = "monitor-job:test"
README_TAG = "monitor-job"  # the name the README's commands use
IN_CI = os.environ.get("CI", "").lower() == "true"
MONITOR_UID = 1000  # the image's user `monitor`
SPARK_NOISE = ("NativeCodeLoader", "loopback address", "WindowExec", "Truncated the string")
HOURS = ("10", "11", "12")  # capture hours; the monitoring window is 11:00-12:00


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"image tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_host() -> Iterator[str]:
    """An engine that answers: the machine's, else a private one started (and stopped, by
    its PID) here."""
    if shutil.which("docker") is None:
        unavailable("the docker CLI is not installed")
    done = subprocess.run(["bash", str(ENGINE), "start"], capture_output=True, text=True)
    if done.returncode != 0:
        unavailable(f"no Docker engine could start: {done.stderr.strip()}")
    started_here = "started dockerd" in done.stderr
    host = done.stdout.strip().removeprefix("DOCKER_HOST=")
    previous = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = host  # the docker SDK, the CLI and the SageMaker SDK
    yield host
    if previous is None:
        os.environ.pop("DOCKER_HOST", None)
    else:
        os.environ["DOCKER_HOST"] = previous
    if started_here:
        subprocess.run(["bash", str(ENGINE), "stop"], check=False)


@pytest.fixture(scope="session")
def client(docker_host: str) -> Any:
    import docker

    return docker.DockerClient(base_url=docker_host, timeout=600)


def host_ca_bundle() -> Path | None:
    """This machine's CA bundle: it trusts whatever TLS-inspecting proxy is in the way."""
    for raw in (os.environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile):
        if raw and Path(raw).is_file():
            return Path(raw)
    fallback = Path("/etc/ssl/certs/ca-certificates.crt")
    return fallback if fallback.is_file() else None


@pytest.fixture(scope="session")
def image(docker_host: str) -> str:
    """The Dockerfile built as a user builds it (`docker build .`), tagged TAG and the
    README's name; the host's CA bundle is trusted for the build and removed after."""
    base = subprocess.run(["bash", str(ENGINE), "base"], capture_output=True, text=True)
    if base.returncode != 0:
        unavailable(f"no base image: {base.stderr.strip()}")
    extra = REPO / "configs" / "ca-certificates" / "test-host-bundle.crt"
    bundle = host_ca_bundle()
    try:
        if bundle is not None:
            shutil.copyfile(bundle, extra)
        started = time.monotonic()
        build = subprocess.run(
            ["docker", "build", "-t", TAG, "-t", README_TAG, str(REPO)],
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        extra.unlink(missing_ok=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert re.search(r"Sending build context to Docker daemon\s+[\d.]+[kM]B", build.stdout)
    context = re.search(r"Sending build context to Docker daemon\s+([\d.]+)([kM]B)", build.stdout)
    assert context and (context.group(2) == "kB" or float(context.group(1)) < 20), context
    print(f"image build: {time.monotonic() - started:.0f} s")
    return TAG


def run_container(
    client: Any,
    volumes: list[str],
    env: dict[str, str] | None = None,
    timeout: float = 600,
    **kwargs: Any,
) -> tuple[int, str]:
    """Start a container of the image with no arguments (as SageMaker does), wait for it,
    return (exit code, log)."""
    container = client.containers.run(
        TAG, detach=True, volumes=volumes, environment=env or {}, **kwargs
    )
    try:
        code = container.wait(timeout=timeout)["StatusCode"]
        return code, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


# ---- data and SageMaker's processingjobconfig.json ---------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A training CSV (label first) and three hours of base64-CSV capture."""
    root = tmp_path_factory.mktemp("image-data")
    frame = mixed_frame(1500, seed=11)
    write_csv(frame, root / "train" / "training.csv")
    for i, hour in enumerate(HOURS):
        window = mixed_frame(400, seed=20 + i)
        lines = csv_capture_lines(window, when=f"2024-03-01T{hour}:15:00Z")
        path = root / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / hour / "c.jsonl"
        write_lines(lines, path)
    return root


def processing_job(
    name: str,
    environment: dict[str, str],
    inputs: dict[str, str],
    output: str = "/opt/ml/processing/output",
) -> dict[str, Any]:
    """processingjobconfig.json in the shape SageMaker writes it (see the 2022 job log)."""
    return {
        "ProcessingJobArn": f"arn:aws:sagemaker:us-east-1:000000000000:processing-job/{name}",
        "ProcessingJobName": name,
        "Environment": environment,
        "AppSpecification": {"ImageUri": TAG, "ContainerEntrypoint": None},
        "ProcessingInputs": [
            {
                "InputName": input_name,
                "S3Input": {
                    "LocalPath": local,
                    "S3Uri": f"s3://bucket/{input_name}",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3InputMode": "File",
                },
            }
            for input_name, local in inputs.items()
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "monitoring_output",
                    "S3Output": {
                        "LocalPath": output,
                        "S3Uri": "s3://bucket/out",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"}
        },
    }


def config_dir(root: Path, job: dict[str, Any], current: str, hosts: list[str]) -> Path:
    config = root / f"config-{current}"
    config.mkdir(parents=True, exist_ok=True)
    (config / "processingjobconfig.json").write_text(json.dumps(job))
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": current, "hosts": hosts, "network_interface_name": "eth0"})
    )
    return config


def writable_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o777)  # the image's user writes it, as SageMaker's output volume allows
    return path


def ro(path: Path, bind: str) -> list[str]:
    return [f"{path}:{bind}:ro"]


def rw(path: Path, bind: str) -> list[str]:
    return [f"{path}:{bind}:rw"]


CSV_FORMAT = json.dumps({"csv": {"header": True, "output_columns_position": "START"}})
CAPTURE_FORMAT = json.dumps(
    {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
)
BASELINE_ENV = {
    "dataset_format": CSV_FORMAT,
    "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
    "output_path": "/opt/ml/processing/output",
    "publish_cloudwatch_metrics": "Disabled",
}
MONITOR_ENV = {
    "dataset_format": CAPTURE_FORMAT,
    "dataset_source": "/opt/ml/processing/input/endpoint",
    "baseline_statistics": "/opt/ml/processing/baseline/stats/statistics.json",
    "baseline_constraints": "/opt/ml/processing/baseline/constraints/constraints.json",
    "start_time": "2024-03-01T11:00:00Z",
    "end_time": "2024-03-01T12:00:00Z",
    "metric_time": "2024-03-01T12:00:00Z",
    "output_path": "/opt/ml/processing/resultdata",
    "sagemaker_endpoint_name": "ep",
    "sagemaker_monitoring_schedule_name": "schedule",
    "publish_cloudwatch_metrics": "Enabled",
}


def local_run(tmp: Path, environment: dict[str, str], mounts: dict[str, Path]) -> Path:
    """The same run in local mode, in this process: container paths mapped to host paths."""

    def host(value: str) -> str:
        for bind, path in mounts.items():
            if value.startswith(bind):
                return str(path) + value[len(bind) :]
        return value

    tmp.mkdir(parents=True, exist_ok=True)
    out = tmp / "local-out"
    env = {k: host(v) for k, v in environment.items()}
    env.update(
        output_path=str(out),
        output_message_file=str(tmp / "local-message"),
        cloudwatch_metrics_directory=str(tmp / "local-metrics"),
    )
    job = tmp / "local-processingjobconfig.json"
    job.write_text(json.dumps({"Environment": env}))
    old = os.environ.get("MONITOR_JOB_PROCESSING_CONFIG")
    os.environ["MONITOR_JOB_PROCESSING_CONFIG"] = str(job)
    try:
        assert main([]) in (EXIT_OK,)
    finally:
        if old is None:
            os.environ.pop("MONITOR_JOB_PROCESSING_CONFIG")
        else:
            os.environ["MONITOR_JOB_PROCESSING_CONFIG"] = old
    return out


def assert_same_files(first: Path, second: Path, *names: str) -> None:
    """Equal to 1e-9 relative; KLL sketches within their rank error."""
    for name in names:
        a, b = (first / name).read_bytes(), (second / name).read_bytes()
        if name == "statistics.json":
            assert_same_statistics(a, b, rel=1e-9)
        else:
            assert_close(json.loads(a), json.loads(b), 1e-9)


def assert_quiet(log: str) -> None:
    for noise in SPARK_NOISE:
        assert noise not in log, noise


# ---- 1. the processing contract, as the non-root user --------------------------------------


def test_baseline_and_monitoring_through_processingjobconfig(
    client, image, data, tmp_path, spark
) -> None:
    base_out = writable_dir(tmp_path / "baseline-out")
    job = processing_job(
        "baseline", BASELINE_ENV, {"baseline_dataset_input": BASELINE_ENV["dataset_source"]}
    )
    config = config_dir(tmp_path, job, "algo-1", ["algo-1"])
    message = writable_dir(tmp_path / "baseline-message")
    code, log = run_container(
        client,
        [
            *ro(config, "/opt/ml/config"),
            *ro(data / "train", BASELINE_ENV["dataset_source"]),
            *rw(base_out, "/opt/ml/processing/output"),
            *rw(message, "/opt/ml/output"),
        ],
    )
    assert code == EXIT_OK, log[-3000:]
    assert "running as monitor (uid 1000)" in log
    assert_quiet(log)
    assert (message / "message").read_text().startswith("Completed:")
    for name in ("statistics.json", "constraints.json"):
        assert (base_out / name).stat().st_uid == MONITOR_UID, name
    local = local_run(
        tmp_path / "local-baseline", BASELINE_ENV, {BASELINE_ENV["dataset_source"]: data / "train"}
    )
    assert_same_statistics(
        (base_out / "statistics.json").read_bytes(),
        (local / "statistics.json").read_bytes(),
        rel=1e-9,
    )
    assert_same_files(base_out, local, "constraints.json")

    # The monitoring run against that baseline: SageMaker's paths, a one-hour window.
    mon_out = writable_dir(tmp_path / "monitor-out")
    mon_message = writable_dir(tmp_path / "monitor-message")
    job = processing_job(
        "monitoring",
        MONITOR_ENV,
        {
            "endpoint": MONITOR_ENV["dataset_source"],
            "baseline": "/opt/ml/processing/baseline/stats",
            "constraints": "/opt/ml/processing/baseline/constraints",
        },
        output=MONITOR_ENV["output_path"],
    )
    config = config_dir(tmp_path / "mon", job, "algo-1", ["algo-1"])
    code, log = run_container(
        client,
        [
            *ro(config, "/opt/ml/config"),
            *ro(data / "capture", MONITOR_ENV["dataset_source"]),
            *ro(base_out, "/opt/ml/processing/baseline/stats"),
            *ro(base_out, "/opt/ml/processing/baseline/constraints"),
            *rw(mon_out, MONITOR_ENV["output_path"]),
            *rw(mon_message, "/opt/ml/output"),
        ],
    )
    assert code == EXIT_OK, log[-3000:]
    assert "running as monitor" in log
    assert_quiet(log)
    text = (mon_message / "message").read_text()
    assert text.startswith("CompletedWithViolations:") or text.startswith("Completed:"), text
    # SageMaker publishes the BYOC metrics file itself: it is written under /opt/ml/output.
    metrics = (mon_message / "metrics" / "cloudwatch").glob("*.jsonl")
    assert any(p.stat().st_size for p in metrics)
    local = local_run(
        tmp_path / "local-monitor",
        MONITOR_ENV,
        {
            MONITOR_ENV["dataset_source"]: data / "capture",
            "/opt/ml/processing/baseline/stats": base_out,
            "/opt/ml/processing/baseline/constraints": base_out,
        },
    )
    stats = json.loads((mon_out / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 400  # the 11h partition alone
    assert_same_statistics(
        (mon_out / "statistics.json").read_bytes(),
        (local / "statistics.json").read_bytes(),
        rel=1e-9,
    )
    assert_same_files(mon_out, local, "constraint_violations.json")
    # report.html is built in the image too (vl-convert's JavaScript engine, as `monitor`)
    report = (mon_out / "report.html").read_text()
    violations = json.loads((mon_out / "constraint_violations.json").read_text())["violations"]
    assert report.count('<tr class="violation"') == len(violations)
    assert report.count("<svg") >= len(stats["features"])
    assert (mon_out / "report.html").stat().st_uid == MONITOR_UID


# ---- 4. docker stop during a run; a bad config ---------------------------------------------


@pytest.fixture(scope="module")
def big_train(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.2M rows: the scan lasts several times the 1 s progress interval in the container,
    so the stop lands mid-scan even on a loaded machine."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 1_200_000
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "a": rng.normal(size=n).round(4),
            "b": rng.exponential(size=n).round(4),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.integers(0, 1000, n),
        }
    )
    root = tmp_path_factory.mktemp("big")
    root.chmod(0o755)  # pytest makes it 0700: the image's user could not read it
    frame.to_csv(root / "train.csv", index=False)
    return root


def test_explainability_through_processingjobconfig(client, image, tmp_path, spark) -> None:
    """analysis_type=MODEL_EXPLAINABILITY as SageMaker starts it: Clarify's analysis config
    where its monitor mounts it, a predict script beside it; the same analysis.json as the
    same run in this process."""
    from tests.explainability.models import LINEAR, features

    dataset = tmp_path / "explain-data"
    dataset.mkdir()
    features(120, 1).to_csv(dataset / "features.csv", index=False)
    mount = "/opt/ml/processing/input/config"
    configs = {}
    for where, root in (("image", mount), ("local", str(tmp_path / "local-config"))):
        directory = tmp_path / f"{where}-config"
        directory.mkdir(exist_ok=True)
        (directory / "model.py").write_text(LINEAR)
        (directory / "analysis_config.json").write_text(
            json.dumps(
                {
                    "methods": {"shap": {"num_samples": 32, "num_clusters": 4}},
                    "predictor": {"predict_script": f"{root}/model.py"},
                }
            )
        )
        configs[where] = directory
    env = {
        "analysis_type": "MODEL_EXPLAINABILITY",
        "dataset_source": "/opt/ml/processing/input/data",
        "output_path": "/opt/ml/processing/output",
        "publish_cloudwatch_metrics": "Disabled",
    }
    out = writable_dir(tmp_path / "explain-out")
    message = writable_dir(tmp_path / "explain-message")
    job = processing_job("explain", env, {"data": env["dataset_source"], "config": mount})
    config = config_dir(tmp_path, job, "algo-1", ["algo-1"])
    code, log = run_container(
        client,
        [
            *ro(config, "/opt/ml/config"),
            *ro(dataset, env["dataset_source"]),
            *ro(configs["image"], mount),
            *rw(out, env["output_path"]),
            *rw(message, "/opt/ml/output"),
        ],
    )
    assert code == EXIT_OK, log[-3000:]
    assert_quiet(log)
    assert (message / "message").read_text().startswith("Completed:")
    local = local_run(
        tmp_path / "local-explain",
        {**env, "analysis_config": f"{mount}/analysis_config.json"},
        {env["dataset_source"]: dataset, mount: configs["local"]},
    )
    assert (out / "analysis.json").read_bytes() == (local / "analysis.json").read_bytes()
    assert (out / "explanations_shap" / "out.csv").is_file()


def test_docker_stop_ends_as_stopped_with_no_partial_output(
    client, image, big_train, tmp_path
) -> None:
    out = writable_dir(tmp_path / "out")
    message = writable_dir(tmp_path / "message")
    job = processing_job("stopped", BASELINE_ENV, {"baseline_dataset_input": "x"})
    config = config_dir(tmp_path, job, "algo-1", ["algo-1"])
    container = client.containers.run(
        TAG,
        detach=True,
        volumes=[
            *ro(config, "/opt/ml/config"),
            *ro(big_train, BASELINE_ENV["dataset_source"]),
            *rw(out, "/opt/ml/processing/output"),
            *rw(message, "/opt/ml/output"),
        ],
        environment={"MONITOR_JOB_PROGRESS_SECONDS": "1"},
    )
    try:
        deadline = time.monotonic() + 300
        while "progress: decoding and profiling" not in container.logs().decode():
            assert time.monotonic() < deadline, container.logs().decode()[-3000:]
            container.reload()
            assert container.status == "running", container.logs().decode()[-3000:]
            time.sleep(0.5)
        container.stop(timeout=60)  # SIGTERM, as StopProcessingJob; SIGKILL after 60 s
        code = container.wait(timeout=120)["StatusCode"]
        log = container.logs().decode()
    finally:
        container.remove(force=True)
    tail = log[-3000:]
    assert code == EXIT_STOPPED, tail
    last = log.strip().splitlines()[-1]
    assert last.startswith("Stopped: received signal 15"), tail
    assert (message / "message").read_text().startswith("Stopped:"), tail
    assert sorted(p.name for p in out.iterdir()) == [], tail  # no statistics.json, no temp file
    assert "Traceback" not in log, tail
    assert "running as monitor" in log, tail


def test_bad_config_is_one_line_and_exit_2_before_spark(client, image, tmp_path) -> None:
    message = writable_dir(tmp_path / "message")
    env = {**BASELINE_ENV, "dataset_format": '{"xml": {}}'}
    config = config_dir(tmp_path, processing_job("bad", env, {}), "algo-1", ["algo-1"])
    started = time.monotonic()
    code, log = run_container(
        client, [*ro(config, "/opt/ml/config"), *rw(message, "/opt/ml/output")]
    )
    assert code == EXIT_CONFIG, log
    lines = log.strip().splitlines()
    assert lines[-1].startswith("ConfigError: dataset_format"), lines
    assert [line for line in lines if "Error" in line] == [lines[-1]]  # one line, no trace
    assert (message / "message").read_text() == lines[-1]
    assert "spark" not in log.lower()
    assert time.monotonic() - started < 30  # no JVM: seconds, not a Spark start-up


# ---- 5. the README's commands, as written --------------------------------------------------


def readme_block(marker: str) -> str:
    text = (REPO / "README.md").read_text()
    after = text.split(f"<!-- test_image: {marker} -->", 1)[1]
    return after.split("```", 2)[1].strip("\n")


def test_readme_docker_run(image, tmp_path, spark) -> None:
    """The README's block runs as written (its `docker build` is the fixture's build, so it
    is left out here), and its files equal `make demo`'s local runs on the same data."""
    block = readme_block("readme docker run")
    commands = block.replace("\\\n", " ").splitlines()
    assert commands[0] == "docker build -t monitor-job ."
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_data.py"), "--out", "demo-data"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(commands[1:])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert_quiet(done.stderr)
    for name in ("demo-baseline", "demo-monitor"):
        # The demo's YAML files use paths relative to the checkout: here, to tmp_path (the
        # JVM keeps the directory it started in, so the paths are made absolute).
        config = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
        for key in ("dataset_source", "baseline_statistics", "baseline_constraints", "output_path"):
            if key in config:
                config[key] = str(tmp_path / config[key])
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        assert main(["run", "--config", str(path)]) == EXIT_OK
    assert_same_files(
        tmp_path / "out" / "baseline",
        tmp_path / "demo-output" / "baseline",
        "statistics.json",
        "constraints.json",
    )
    assert_same_files(
        tmp_path / "out" / "monitor-11h",
        tmp_path / "demo-output" / "monitor-11h",
        "statistics.json",
        "constraint_violations.json",
    )


# ---- 2. S3: capture read from and outputs written to a moto server on the host -------------


def bridge_gateway(client) -> str:
    """The host's address on Docker's default bridge. A fresh engine does not always record
    the bridge's ``Gateway`` in its IPAM config (only its ``Subnet``: seen on a new CI
    machine), so the address is read from the bridge interface itself (``docker0``), else
    taken as the subnet's first host address, where Docker puts the gateway by default."""
    attrs = client.networks.get("bridge").attrs
    name = (attrs.get("Options") or {}).get("com.docker.network.bridge.name", "docker0")
    try:
        shown = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "dev", name], capture_output=True, text=True
        ).stdout
    except FileNotFoundError:  # no iproute2: the IPAM config below still answers
        shown = ""
    found = re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", shown)
    if found:
        return found.group(1)
    config = attrs["IPAM"]["Config"][0]
    return config.get("Gateway") or str(next(ipaddress.ip_network(config["Subnet"]).hosts()))


@pytest.fixture
def bridge_s3(client, moto_server, monkeypatch) -> Iterator[ForwardingProxy]:
    """The moto server, reachable from containers: a recording proxy on the Docker bridge's
    gateway address (the host side of the containers' network), forwarding to loopback."""
    gateway = bridge_gateway(client)
    for key, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with ForwardingProxy(moto_server, host=gateway) as proxy:
        yield proxy


def upload_tree(bucket: str, root: Path, prefix: str) -> None:
    s3 = boto3.client("s3")
    for path in root.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root)}")


def test_s3_window_in_the_container(client, image, data, bridge_s3, tmp_path) -> None:
    bucket = f"image-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    upload_tree(bucket, data / "capture", "datacapture")
    upload_tree(bucket, data / "train", "train")
    env = {
        "AWS_ENDPOINT_URL": bridge_s3.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "MONITOR_JOB_VERBOSE": "1",  # Spark's own log lines come back
    }
    code, log = run_container(
        client,
        [],
        {
            **env,
            "dataset_format": CSV_FORMAT,
            "dataset_source": f"s3://{bucket}/train",
            "output_path": f"s3://{bucket}/baseline",
        },
    )
    assert code == EXIT_OK, log[-3000:]
    assert "NativeCodeLoader" in log  # verbose: Spark's start-up warnings are back
    bridge_s3.requests.clear()
    monitor = {
        **MONITOR_ENV,
        "dataset_source": f"s3://{bucket}/datacapture/ep/AllTraffic",
        "baseline_statistics": f"s3://{bucket}/baseline/statistics.json",
        "baseline_constraints": f"s3://{bucket}/baseline/constraints.json",
        "output_path": f"s3://{bucket}/monitoring/2024/03/01/11",
        "cloudwatch_metrics_directory": f"s3://{bucket}/monitoring/2024/03/01/11/metrics",
        "publish_cloudwatch_metrics": "Disabled",
    }
    code, log = run_container(client, [], {**env, "MONITOR_JOB_VERBOSE": "", **monitor})
    assert code == EXIT_OK, log[-3000:]
    assert_quiet(log)
    assert "testing" not in log  # no credentials in the log
    touched = " ".join(path for _, path in bridge_s3.requests)
    assert "/2024/03/01/11" in touched
    for hour in ("10", "12"):  # partitions outside the window: never listed, never read
        assert f"/2024/03/01/{hour}" not in touched
        assert f"%2F2024%2F03%2F01%2F{hour}" not in touched
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert {
        "monitoring/2024/03/01/11/statistics.json",
        "monitoring/2024/03/01/11/constraint_violations.json",
    } <= keys
    assert not [k for k in keys if "write-probe" in k]
    # The same window on local files, in local mode: the same results.
    base_local = tmp_path / "baseline"
    base_local.mkdir()
    for name in ("statistics.json", "constraints.json"):
        s3.download_file(bucket, f"baseline/{name}", str(base_local / name))
    local = local_run(
        tmp_path / "local",
        MONITOR_ENV,
        {
            MONITOR_ENV["dataset_source"]: data / "capture" / "ep" / "AllTraffic",
            "/opt/ml/processing/baseline/stats": base_local,
            "/opt/ml/processing/baseline/constraints": base_local,
        },
    )
    remote = tmp_path / "remote"
    remote.mkdir()
    for name in ("statistics.json", "constraint_violations.json"):
        s3.download_file(bucket, f"monitoring/2024/03/01/11/{name}", str(remote / name))
    assert_same_files(remote, local, "statistics.json", "constraint_violations.json")


# ---- 3. multi-instance: algo-1 and algo-2 form the Spark cluster ---------------------------


def test_two_instances_form_a_cluster_on_s3_input(client, image, data, bridge_s3, tmp_path) -> None:
    """Issue 36: algo-1 and algo-2 of different sizes, reading s3:// input. Each host sizes
    its own worker from its own CPUs and memory; the executors read S3 themselves (S3A:
    nothing is staged on algo-1's disk, which algo-2 cannot see), algo-2's too; the results
    equal one instance's."""
    bucket = f"image-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    rows = (data / "train" / "training.csv").read_text().splitlines(keepends=True)
    for part in range(4):  # four objects: a task each, on both hosts
        body = rows[0] + "".join(rows[1 + part :: 4])
        s3.put_object(Bucket=bucket, Key=f"train/part-{part}.csv", Body=body.encode())
    environment = {**BASELINE_ENV, "dataset_source": f"s3://{bucket}/train"}
    aws = {
        "AWS_ENDPOINT_URL": bridge_s3.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    network = client.networks.create(f"monitor-job-{uuid.uuid4().hex[:8]}", driver="bridge")
    hosts = ["algo-1", "algo-2"]
    sizes = {"algo-1": ("4g", 2), "algo-2": ("2560m", 1)}  # (memory, CPUs) of each host
    out = writable_dir(tmp_path / "out")
    job = processing_job("two-instances", environment, {})
    containers = {}
    addresses = {}
    try:
        for host in reversed(hosts):  # the worker host first: it waits for the master
            config = config_dir(tmp_path, job, host, hosts)
            volumes = ro(config, "/opt/ml/config")
            if host == "algo-1":
                volumes += rw(out, "/opt/ml/processing/output")
            memory, cpus = sizes[host]
            containers[host] = client.containers.run(
                TAG,
                detach=True,
                hostname=host,
                name=f"{network.name}-{host}",
                network=network.name,
                volumes=volumes,
                environment={**aws, "MONITOR_JOB_CLUSTER_WAIT_SECONDS": "180"},
                mem_limit=memory,
                nano_cpus=cpus * 1_000_000_000,
            )
            network.reload()
            network.disconnect(containers[host])
            network.connect(containers[host], aliases=[host])
            containers[host].reload()
            found = containers[host].attrs["NetworkSettings"]["Networks"][network.name]
            addresses[host] = found["IPAddress"]
        codes = {h: c.wait(timeout=600)["StatusCode"] for h, c in containers.items()}
        logs = {h: c.logs().decode(errors="replace") for h, c in containers.items()}
    finally:
        for container in containers.values():
            container.remove(force=True)
        network.remove()
    assert codes == {"algo-1": EXIT_OK, "algo-2": EXIT_OK}, logs
    leader = logs["algo-1"]
    assert "up with 2 worker(s)" in leader, leader[-3000:]
    assert "host algo-2 joins Spark master spark://algo-1:7077" in logs["algo-2"]
    # Each worker as its host: algo-1 2 CPUs, (4 GB - 2 GB) x 0.75; algo-2 1 CPU,
    # (2.5 GB - 1 GB) x 0.75; the executors get the smaller.
    assert "2 core(s), 1536 MB" in leader and "1 core(s), 1152 MB" in leader, leader[-3000:]
    assert "executors of 1152m" in leader
    assert "read directly by Spark's s3a filesystem" in leader
    assert "staged" not in leader
    assert_quiet(leader)
    reads = {
        client
        for client, method, path in bridge_s3.calls
        if method == "GET" and "train/part-" in path
    }
    assert addresses["algo-2"] in reads, (addresses, bridge_s3.calls[-20:])
    single = writable_dir(tmp_path / "single")
    config = config_dir(tmp_path / "one", job, "algo-1", ["algo-1"])
    code, log = run_container(
        client,
        [*ro(config, "/opt/ml/config"), *rw(single, "/opt/ml/processing/output")],
        aws,
    )
    assert code == EXIT_OK, log[-3000:]
    assert "staged" in log  # one instance: local mode stages with boto3
    assert_same_files(out, single, "statistics.json", "constraints.json")


# ---- 6. the SageMaker Python SDK launches the image in local mode --------------------------


def test_sagemaker_sdk_local_mode(image, data, aws, tmp_path, capsys) -> None:
    """`DefaultModelMonitor.suggest_baseline` and a monitoring `Processor` with the SDK's own
    env map, in the SDK's local mode (docker-compose; S3 and the default bucket on moto).
    Local mode mounts root-owned 0700 directories: the job stays root and says why."""
    from sagemaker.local import LocalSession
    from sagemaker.model_monitor import (
        ConstraintViolations,
        DatasetFormat,
        DefaultModelMonitor,
        Statistics,
    )
    from sagemaker.model_monitor.model_monitoring import ModelMonitor
    from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor

    bucket = f"sdk-local-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    session = LocalSession(
        boto_session=boto3.Session(region_name="us-east-1"), default_bucket=bucket
    )
    session.config = {"local": {"local_code": True}}
    role = "arn:aws:iam::000000000000:role/monitor-job"
    monitor = DefaultModelMonitor(
        role=role, instance_count=1, instance_type="local", sagemaker_session=session
    )
    monitor.image_uri = TAG
    monitor.suggest_baseline(
        baseline_dataset=str(data / "train" / "training.csv"),
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=f"s3://{bucket}/baseline",
        wait=True,
        logs=False,
    )
    log = capsys.readouterr().out
    assert "running as root: user monitor cannot read" in log, log[-3000:]
    job = monitor.latest_baselining_job
    stats = job.baseline_statistics()
    assert stats.body_dict["dataset"]["item_count"] == 1500
    constraints = job.suggested_constraints()
    assert {f["name"] for f in constraints.body_dict["features"]} >= {"label", "age"}

    # A monitoring run: the env map the SDK builds for the analyzer, plus what the service
    # adds for a schedule's execution (capture format, window, baseline paths).
    container = "/opt/ml/processing"
    env = ModelMonitor._generate_env_map(
        env={
            "baseline_statistics": f"{container}/baseline/stats/statistics.json",
            "baseline_constraints": f"{container}/baseline/constraints/constraints.json",
            "start_time": "2024-03-01T11:00:00Z",
            "end_time": "2024-03-01T12:00:00Z",
            "sagemaker_endpoint_name": "ep",
            "sagemaker_monitoring_schedule_name": "schedule",
        },
        output_path=f"{container}/resultdata",
        enable_cloudwatch_metrics=False,
        dataset_format=json.loads(CAPTURE_FORMAT),
        dataset_source_container_path=f"{container}/input/endpoint",
    )
    processor = Processor(
        role=role,
        image_uri=TAG,
        instance_count=1,
        instance_type="local",
        env=env,
        sagemaker_session=session,
    )
    processor.run(
        inputs=[
            ProcessingInput(
                source=str(data / "capture" / "ep" / "AllTraffic"),
                destination=f"{container}/input/endpoint",
            ),
            ProcessingInput(
                source=f"s3://{bucket}/baseline/statistics.json",
                destination=f"{container}/baseline/stats",
            ),
            ProcessingInput(
                source=f"s3://{bucket}/baseline/constraints.json",
                destination=f"{container}/baseline/constraints",
            ),
        ],
        outputs=[
            ProcessingOutput(
                source=f"{container}/resultdata",
                destination=f"s3://{bucket}/monitoring/11",
            )
        ],
        wait=True,
        logs=False,
    )
    stats = Statistics.from_s3_uri(
        f"s3://{bucket}/monitoring/11/statistics.json", sagemaker_session=session
    )
    assert stats.body_dict["dataset"]["item_count"] == 400
    violations = ConstraintViolations.from_s3_uri(
        f"s3://{bucket}/monitoring/11/constraint_violations.json", sagemaker_session=session
    )
    assert isinstance(violations.body_dict["violations"], list)
