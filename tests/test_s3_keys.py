"""S3 keys are data, never paths (issue 35): against a moto server, keys with ``..``, ``//``,
``/./`` and a leading ``/`` write nothing outside the staging directory, are refused by
name, and every other distinct key is read, even where two share a last segment."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK, InputDataError
from monitor_job.io import s3
from tests.datasets import csv_capture_lines, mixed_frame

BUCKET = "mj-keys-test"
HOUR = "capture/ep/AllTraffic/2024/03/01/11"


def lines(rows: int, seed: int) -> str:
    frame = mixed_frame(rows, seed=seed)
    return "\n".join(csv_capture_lines(frame, when="2024-03-01T11:30:00Z")) + "\n"


@pytest.fixture
def crafted(aws, tmp_path, monkeypatch):
    """An hour holding three good objects (two with the same last segment) and four crafted
    keys; staging goes to a directory of the test's own."""
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setenv("MONITOR_JOB_STAGING_DIR", str(staging))
    escape = f"mj-escape-{uuid.uuid4().hex}.jsonl"
    bucket = boto3.client("s3")
    bucket.create_bucket(Bucket=BUCKET)
    good = {f"{HOUR}/a/part-0.jsonl": 40, f"{HOUR}/b/part-0.jsonl": 30, f"{HOUR}/part-0.jsonl": 20}
    crafted_keys = {
        f"{HOUR}/" + "../" * 24 + f"tmp/{escape}": "a '..' segment",
        f"{HOUR}//part-0.jsonl": "an empty segment",
        f"{HOUR}/./part-0.jsonl": "a '.' segment",
        f"{HOUR}/a/../b/part-0.jsonl": "a '..' segment",
    }
    for seed, (key, rows) in enumerate(good.items()):
        bucket.put_object(Bucket=BUCKET, Key=key, Body=lines(rows, seed).encode())
    for key in crafted_keys:
        bucket.put_object(Bucket=BUCKET, Key=key, Body=lines(7, 99).encode())
    return staging, escape, good, crafted_keys


def test_crafted_keys_are_refused_by_name_and_nothing_escapes(crafted, tmp_path) -> None:
    staging, escape, good, crafted_keys = crafted
    out = tmp_path / "out"
    args = ["baseline", "--dataset", f"s3://{BUCKET}/capture/", "--format", "capture"]
    args += ["--output", str(out)]
    assert main(args) == EXIT_OK
    for root in (Path(tempfile.gettempdir()), Path("/tmp"), staging.parent):
        assert not (root / escape).exists()
    assert not any(staging.iterdir()), "the staging directory is removed after the run"
    stats = json.loads((out / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == sum(good.values())  # 40 + 30 + 20, exactly
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    [listed] = [n for n in summary["notes"] if n.startswith("3 file(s) under")]
    assert listed.endswith(f"{len(crafted_keys)} object(s) refused)")
    [refused] = [n for n in summary["notes"] if "refused by key" in n]
    assert refused.startswith(f"{len(crafted_keys)} object(s) refused by key, not read: ")
    for key, why in crafted_keys.items():
        assert f"{f's3://{BUCKET}/{key}'!r}: key holds {why}" in refused


def test_a_key_with_a_leading_slash_at_a_bucket_root(aws, tmp_path, monkeypatch) -> None:
    """A ``dataset_source`` at a bucket's root: ``/x`` would replace the staging path."""
    monkeypatch.setenv("MONITOR_JOB_STAGING_DIR", str(tmp_path))
    bucket = boto3.client("s3")
    bucket.create_bucket(Bucket="mj-keys-root")
    target = f"mj-root-{uuid.uuid4().hex}.jsonl"
    bucket.put_object(Bucket="mj-keys-root", Key="part-0.jsonl", Body=lines(25, 1).encode())
    bucket.put_object(Bucket="mj-keys-root", Key=f"/tmp/{target}", Body=lines(5, 2).encode())
    out = tmp_path / "out"
    args = ["baseline", "--dataset", "s3://mj-keys-root/", "--format", "capture"]
    assert main([*args, "--output", str(out)]) == EXIT_OK
    assert not (Path("/tmp") / target).exists()
    stats = json.loads((out / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 25
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    assert any(
        f"'s3://mj-keys-root//tmp/{target}': key starts with '/'" in n for n in summary["notes"]
    )


def test_stage_refuses_an_unsafe_key_it_is_handed(aws, tmp_path) -> None:
    with pytest.raises(InputDataError, match=r"reading s3://b/x/\.\./y: key holds a '\.\.'"):
        s3.stage(["s3://b/x/../y"], tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a/b.jsonl", None),
        ("a/..b/c..", None),
        ("/a", "key starts with '/'"),
        ("a//b", "key holds an empty segment ('//')"),
        ("a/./b", "key holds a '.' segment"),
        ("a/../b", "key holds a '..' segment"),
        ("..", "key holds a '..' segment"),
        ("a/b\nc", "key holds a control character"),
        ("a" * 1025, "key longer than S3's 1024 bytes"),
    ],
)
def test_unsafe_key(key: str, reason: str | None) -> None:
    assert s3.unsafe_key(key) == reason


@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=30, unique=True))
def test_local_names_stay_inside_and_are_distinct(keys: list[str]) -> None:
    root = Path("/staging")
    width = max(6, len(str(len(keys))))
    names = [s3.local_name(i, width, k) for i, k in enumerate(keys)]
    assert len(set(names)) == len(keys)
    assert names == sorted(names)  # local order is the listing's
    for name in names:
        assert "/" not in name and "\x00" not in name and name not in (".", "..")
        assert not name.startswith((".", "_"))  # Hadoop hides those
        assert (root / name).resolve().parent == root.resolve()


def test_run_files_under_crafted_keys_are_refused(aws, caplog) -> None:
    """Rollups and history pages find runs by key: the same rule, one spelling per file."""
    from monitor_job.data_quality.history import find_files

    client = boto3.client("s3")
    client.create_bucket(Bucket="mj-keys-runs")
    for key in ("runs/a/statistics.json", "runs/x/../a/statistics.json", "runs//a/statistics.json"):
        client.put_object(Bucket="mj-keys-runs", Key=key, Body=b"{}")
    caplog.set_level("WARNING")
    assert find_files("s3://mj-keys-runs/runs/", ("statistics.json",)) == [
        "s3://mj-keys-runs/runs/a/statistics.json"
    ]
    assert caplog.text.count("run file refused, not read") == 2


def test_hour_prefixes_are_listed_together_and_files_come_in_key_order(aws, monkeypatch) -> None:
    """Issue 36: a week's hours are 168 listings; they run several at a time, and the
    files still come out in the walk's order (the merge sorts by file name)."""
    import threading
    import time as clock

    from monitor_job.io.listing import list_input

    client = boto3.client("s3")
    client.create_bucket(Bucket="mj-keys-hours")
    keys = [
        f"cap/ep/v/2024/03/{d:02d}/{h:02d}/part-{p}.jsonl"
        for d in (1, 2)
        for h in range(0, 24, 2)
        for p in (0, 1)
    ]
    for key in reversed(keys):
        client.put_object(Bucket="mj-keys-hours", Key=key, Body=b"{}\n")
    real, running, most = s3._pages, [0], [0]
    lock = threading.Lock()

    def pages(s3_client, bucket, prefix, delimiter):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            clock.sleep(0.05)
            yield from real(s3_client, bucket, prefix, delimiter)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(s3, "_pages", pages)
    listing = list_input("s3://mj-keys-hours/cap/")
    assert list(listing.files) == [f"s3://mj-keys-hours/{k}" for k in keys]
    assert len(listing.searched) == 24
    assert most[0] > 1
