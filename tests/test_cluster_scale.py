"""The profile on a standalone cluster at a small size (issue 36; the 1M runs are
``scripts/bench_cluster.py`` in ``make bench``): many partitions merged in levels equal
local mode on the same layout byte for byte, a worker SIGKILLed mid-scan changes nothing in
statistics.json, and s3:// input on a cluster is read by the executors through S3A (a moto
server), nothing staged on the driver's disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.datasets import json_capture_lines, mixed_frame, write_lines
from tests.eventlog import failed_tasks, read_log
from tests.standalone import Standalone, Submitted, standalone, submit_baseline

ROWS = 24_000
# About 2 KB partitions: ~300 input partitions, so the merge has two levels (fan-in 32)
# and the scan runs long enough on two executors to lose one of them in the middle.
SPLITS = [
    "--conf", "spark.sql.files.maxPartitionBytes=16384",
    "--conf", "spark.sql.files.openCostInBytes=0",
    "--conf", "spark.executor.memory=512m",
]  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale-data")
    frame = mixed_frame(ROWS, seed=36)
    for part in range(8):
        write_lines(json_capture_lines(frame.iloc[part::8]), folder / f"part-{part}.jsonl")
    return folder


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    with standalone(tmp_path_factory.mktemp("scale-cluster"), workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def undisturbed(cluster: Standalone, data: Path) -> Submitted:
    return submit_baseline(cluster.url, cluster.tmp, "undisturbed", data, SPLITS)


def test_many_partitions_merge_in_levels_as_local_mode(undisturbed, data, tmp_path) -> None:
    local = submit_baseline("local[2]", tmp_path, "local", data, SPLITS)
    stages = read_log(undisturbed.events)
    scan = max(stages, key=lambda s: len(s.tasks))
    assert len(scan.tasks) > 32 * 2  # the states were merged in two levels at least
    assert scan.records == ROWS
    assert (undisturbed.out / "statistics.json").read_bytes() == (
        local.out / "statistics.json"
    ).read_bytes()


def test_a_worker_lost_mid_scan_changes_nothing(cluster, undisturbed, data) -> None:
    lost = submit_baseline(cluster.url, cluster.tmp, "lost", data, SPLITS, kill=cluster)
    assert lost.killed_at is not None, "the scan ended before the worker could be killed"
    assert cluster.alive() == 1
    assert failed_tasks(lost.events)  # tasks were lost with the executor, and ran again
    assert (lost.out / "statistics.json").read_bytes() == (
        undisturbed.out / "statistics.json"
    ).read_bytes()


def test_s3_input_is_read_by_the_executors_on_a_cluster(aws, data, tmp_path) -> None:
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="scale")
    for path in sorted(data.iterdir()):
        s3.upload_file(str(path), "scale", f"captures/{path.name}")
    # the workers start with this environment (the moto server, its test credentials):
    # S3A on each host finds them as it would find an instance's role
    with standalone(tmp_path / "s3-cluster", workers=2) as cluster:
        staging = tmp_path / "staging"
        staging.mkdir()
        os.environ["MONITOR_JOB_STAGING_DIR"] = str(staging)
        try:
            remote = submit_baseline(cluster.url, tmp_path, "s3", "s3://scale/captures", SPLITS)
        finally:
            del os.environ["MONITOR_JOB_STAGING_DIR"]
    log = (tmp_path / "s3.log").read_text()
    assert "S3 input read directly by Spark's s3a filesystem" in log
    assert not any(staging.iterdir())  # nothing staged
    local = submit_baseline("local[2]", tmp_path, "local-files", data, SPLITS)
    assert (remote.out / "statistics.json").read_bytes() == (
        local.out / "statistics.json"
    ).read_bytes()
