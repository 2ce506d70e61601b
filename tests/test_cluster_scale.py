"""The profile on a standalone cluster at a small size (issue 36; the 1M runs are
``scripts/bench_cluster.py`` in ``make bench``): many partitions merged in levels equal
local mode on the same layout byte for byte, and a worker SIGKILLed mid-scan changes
nothing in statistics.json."""

from __future__ import annotations

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
