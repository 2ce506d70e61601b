"""S3 faults on real components: a moto server enforcing IAM (a process of its own, since
moto's auth switch is process-wide), bad credentials, and a loopback proxy in front of moto
that answers 503 SlowDown or ExpiredToken, or drops the connection. Each case checks the
exact line, the exit code and the files that remain. (An endpoint that does not answer:
tests/test_s3.py.)"""

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

import boto3
import pytest

import monitor_job.runtime.spark as runtime_spark
from monitor_job.cli import main
from monitor_job.errors import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT
from tests.datasets import json_capture_lines, mixed_frame
from tests.proxy import ForwardingProxy

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"  # must never be printed
TOKEN = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-abc123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[dict[str, str]]:
    """A moto server of its own, set up without auth, then enforcing IAM for every request:
    user `writer` may write `mj-allowed`, only read `mj-readonly`, and not read one object."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.2)
        admin = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **admin)
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **admin)
        for bucket in ("mj-allowed", "mj-readonly", "mj-private"):
            s3.create_bucket(Bucket=bucket)
            s3.put_object(
                Bucket=bucket, Key="train/train.csv", Body=mixed_frame(80, 2).to_csv(index=False)
            )
        s3.put_object(Bucket="mj-allowed", Key="train/secret.csv", Body=b"a,b\n1,2\n")
        iam.create_user(UserName="writer")
        iam.put_user_policy(
            UserName="writer",
            PolicyName="monitor-job",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:*",
                            "Resource": ["arn:aws:s3:::mj-allowed", "arn:aws:s3:::mj-allowed/*"],
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:ListBucket"],
                            "Resource": ["arn:aws:s3:::mj-readonly", "arn:aws:s3:::mj-readonly/*"],
                        },
                        {
                            "Effect": "Deny",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::mj-allowed/train/secret.csv",
                        },
                    ],
                }
            ),
        )
        key = iam.create_access_key(UserName="writer")["AccessKey"]
        request = urllib.request.Request(
            f"{url}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=5).read()  # from now on: IAM enforced
        yield {"url": url, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def as_writer(iam_moto, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", iam_moto["url"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", iam_moto["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", iam_moto["secret"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return iam_moto


@pytest.fixture
def no_spark(monkeypatch) -> None:
    """The failure must come before any JVM starts."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the S3 locations were checked")

    monkeypatch.setattr(runtime_spark, "build_session", refuse)


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    for text in (captured.out, captured.err):
        for secret in (SECRET, TOKEN, os.environ.get("AWS_SECRET_ACCESS_KEY")):
            assert not secret or secret not in text
    return code, err[-1] if err else "", captured.out


def baseline(dataset: str, output: str) -> list[str]:
    return ["baseline", "--dataset", dataset, "--format", "csv", "--header", "--output", output]


def test_access_denied_on_output(as_writer, no_spark, capsys) -> None:
    out = "s3://mj-readonly/out"
    code, line, _ = run(baseline("s3://mj-allowed/train", out), capsys)
    assert code == EXIT_OUTPUT
    assert line == f"OutputError: cannot write output_path {out}: AccessDenied: access denied"


def test_access_denied_on_input(as_writer, no_spark, capsys) -> None:
    source = "s3://mj-private/train"
    code, line, _ = run(baseline(source, "s3://mj-allowed/out"), capsys)
    assert code == EXIT_INPUT
    assert line == f"InputDataError: dataset_source {source}: AccessDenied: access denied"


NO_FILE = "/nonexistent/monitor-job-no-such-file"


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (  # a key id S3 does not know
            {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000000", "AWS_SECRET_ACCESS_KEY": SECRET},
            "InvalidAccessKeyId: the access key id is not known to S3",
        ),
        (  # the right key id, the wrong secret
            {"AWS_SECRET_ACCESS_KEY": SECRET},
            "SignatureDoesNotMatch: the secret access key does not match the key id",
        ),
        (  # nothing in the environment, no profile, no instance role
            {
                "AWS_ACCESS_KEY_ID": None,
                "AWS_SECRET_ACCESS_KEY": None,
                "AWS_SHARED_CREDENTIALS_FILE": NO_FILE,
                "AWS_CONFIG_FILE": NO_FILE,
                "AWS_EC2_METADATA_DISABLED": "true",
            },
            "NoCredentialsError: no AWS credentials found (environment, profile or role)",
        ),
    ],
    ids=["unknown-key", "wrong-secret", "no-credentials"],
)
def test_bad_credentials(as_writer, no_spark, capsys, monkeypatch, env, reason) -> None:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    source = "s3://mj-allowed/train"
    code, line, _ = run(baseline(source, "s3://mj-allowed/out"), capsys)
    assert code == EXIT_INPUT
    assert line == f"InputDataError: dataset_source {source}: {reason}"


def test_access_denied_on_one_object_mid_run(as_writer, spark, capsys, tmp_path) -> None:
    """Listing is allowed, reading one object is not: one clear line after the retries,
    naming the object; nothing is written."""
    out = tmp_path / "out"
    code, line, _ = run(baseline("s3://mj-allowed/train", str(out)), capsys)
    assert code == EXIT_INPUT
    assert line == (
        "InputDataError: reading s3://mj-allowed/train/secret.csv: AccessDenied: access denied"
    )
    assert not out.exists() or not list(out.iterdir())


# ---- a proxy in front of the (session) moto server: throttling, drops, expired tokens -----


def s3_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    return status, {"Content-Type": "application/xml"}, body


class Faults:
    """The first attempt of every GET and PUT of an object answers 503 SlowDown, and the
    first attempt of every list drops the connection: botocore's retries must absorb both.
    With ``persistent`` the PUTs of result files fail every time."""

    def __init__(self, persistent: bool = False) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.slowed: list[tuple[str, str]] = []
        self.dropped: list[tuple[str, str]] = []
        self.persistent = persistent

    def __call__(self, method: str, path: str, headers: dict[str, str]):
        if self.persistent and method == "PUT" and path.endswith(".json"):
            self.slowed.append((method, path))
            return s3_error(503, "SlowDown", "Please reduce your request rate.")
        first = (method, path) not in self.seen
        self.seen.add((method, path))
        if not first:
            return None
        if "list-type=2" in path:
            self.dropped.append((method, path))
            return "drop"
        if method in ("GET", "PUT"):
            self.slowed.append((method, path))
            return s3_error(503, "SlowDown", "Please reduce your request rate.")
        return None


@pytest.fixture
def capture_bucket(aws) -> str:
    s3 = boto3.client("s3")
    bucket = "mj-faults"
    s3.create_bucket(Bucket=bucket)
    frame = mixed_frame(300, seed=9)
    for hour in ("10", "11"):
        lines = json_capture_lines(frame, f"2024-03-01T{hour}:10:00Z")
        key = f"capture/ep/AllTraffic/2024/03/01/{hour}/c-{hour}.jsonl"
        s3.put_object(Bucket=bucket, Key=key, Body="\n".join(lines).encode())
    return bucket


def capture_baseline(bucket: str, output: str) -> list[str]:
    source = f"s3://{bucket}/capture/ep/AllTraffic"
    return ["baseline", "--dataset", source, "--format", "capture", "--output", output]


def test_throttling_and_drops_are_retried(capture_bucket, spark, capsys, monkeypatch, aws):
    faults = Faults()
    with ForwardingProxy(aws, fault=faults) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)  # moto here does not check it
        monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
        code, line, _ = run(capture_baseline(capture_bucket, f"s3://{capture_bucket}/out"), capsys)
    assert code == EXIT_OK, line
    methods = {m for m, _ in faults.slowed}
    assert methods == {"GET", "PUT"}, faults.slowed  # reads and uploads were both throttled
    assert faults.dropped
    s3 = boto3.client("s3", endpoint_url=aws)
    stats = json.loads(
        s3.get_object(Bucket=capture_bucket, Key="out/statistics.json")["Body"].read()
    )
    assert stats["dataset"]["item_count"] == 600
    summary = s3.get_object(Bucket=capture_bucket, Key="out/monitor-job-summary.json")
    text = summary["Body"].read().decode()
    assert SECRET not in text and TOKEN not in text and "Signature" not in text


def test_upload_throttled_past_retries_keeps_the_files(
    capture_bucket, spark, capsys, monkeypatch, aws
) -> None:
    out = f"s3://{capture_bucket}/kept"
    with ForwardingProxy(aws, fault=Faults(persistent=True)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        code, line, _ = run(capture_baseline(capture_bucket, out), capsys)
    assert code == EXIT_OUTPUT
    assert line.startswith(f"OutputError: cannot write output {out}/")
    assert ": SlowDown: throttled by S3 after 5 attempts; the computed files are kept in " in line
    kept = Path(line.split("kept in ", 1)[1].split(":", 1)[0])
    names = sorted(p.name for p in kept.iterdir())
    assert names == [
        "analyzer_states.bin",
        "constraints.json",
        "monitor-job-summary.json",
        "report.html",
        "statistics.json",
    ]
    assert line.endswith(f"finish with `monitor-job upload {kept} {out}`")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws)
    assert main(["upload", str(kept), out]) == EXIT_OK
    keys = boto3.client("s3").list_objects_v2(Bucket=capture_bucket, Prefix="kept/")["Contents"]
    assert sorted(k["Key"] for k in keys) == [f"kept/{n}" for n in names]


def test_expired_token(aws, no_spark, capsys, monkeypatch) -> None:
    def expired(method: str, path: str, headers: dict[str, str]):
        return s3_error(400, "ExpiredToken", "The provided token has expired.")

    with ForwardingProxy(aws, fault=expired) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
        code, line, _ = run(baseline("s3://mj-any/train", "s3://mj-any/out"), capsys)
    assert code == EXIT_INPUT
    assert line == (
        "InputDataError: dataset_source s3://mj-any/train: "
        "ExpiredToken: the session token has expired"
    )


def test_object_gone_between_listing_and_read(capture_bucket, spark, tmp_path) -> None:
    """Listed, then deleted (a lifecycle rule, a cleanup) before it was read: the run goes
    on without it and says so in its summary."""
    from monitor_job.contract import config_from_mapping
    from monitor_job.data_quality.job import run_baseline
    from monitor_job.io import list_input
    from monitor_job.outputs.area import OutputArea

    source = f"s3://{capture_bucket}/capture/ep/AllTraffic"
    listing = list_input(source)
    assert len(listing.files) == 2
    gone = listing.files[0]
    boto3.client("s3").delete_object(Bucket=capture_bucket, Key=gone.split("/", 3)[3])
    out = tmp_path / "out"
    config = config_from_mapping(
        {
            "dataset_format": json.dumps({"sagemakerCaptureJson": {}}),
            "dataset_source": source,
            "output_path": str(out),
        }
    )
    outcome = run_baseline(spark, config, OutputArea(str(out), str(out)), listing)
    assert outcome.profile.item_count == 300
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    assert f"1 listed object(s) gone before they were read, skipped: {gone}" in summary["notes"]
