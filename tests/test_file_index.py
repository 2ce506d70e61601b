"""One file index per run, built from the job's own listing (issue 36, item 6): Spark
neither checks nor lists an input path again, however many times a run reads its input
(the decode, the ground truth, a sample), and the lines read are ``spark.read.text``'s."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor_job.cli import main
from monitor_job.contract.config import KNOWN_KEYS
from monitor_job.contract.times import parse_timestamp
from monitor_job.errors import EXIT_OK
from monitor_job.io import list_input
from monitor_job.runtime.files import text_lines
from monitor_job.runtime.spark import SHUFFLE_AUTO, shuffle_partitions, size_shuffles
from tests.datasets import demo_config, demo_data

REPO = Path(__file__).resolve().parents[1]


def metrics(spark):
    return spark.sparkContext._jvm.org.apache.spark.metrics.source.HiveCatalogMetrics


def test_the_lines_are_spark_read_texts_and_nothing_is_listed_again(spark, tmp_path) -> None:
    for hour in ("10", "11"):
        folder = tmp_path / "2024" / "03" / "01" / hour
        folder.mkdir(parents=True)
        (folder / "a.jsonl").write_text("".join(f"{hour}-{i}\n" for i in range(1000)))
        (folder / "b.jsonl").write_text("x\n\ny\n")  # an empty line, kept as Spark keeps it
    listing = list_input(str(tmp_path))
    counters = metrics(spark)
    counters.reset()
    frame = text_lines(spark, listing.files)
    assert text_lines(spark, listing.files) is frame  # the run's one index
    assert counters.METRIC_FILES_DISCOVERED().getCount() == 0
    assert counters.METRIC_FILE_CACHE_HITS().getCount() == len(listing.files) == 4
    expected = sorted(r[0] for r in spark.read.text(list(listing.files)).collect())
    assert sorted(r[0] for r in frame.collect()) == expected
    assert len(expected) == 2006
    # A file changed after the listing is listed anew by the next listing: a new index.
    (tmp_path / "2024" / "03" / "01" / "10" / "b.jsonl").write_text("x\ny\nz\n")
    again = text_lines(spark, list_input(str(tmp_path)).files)
    assert again is not frame and again.count() == 2006
    # Paths no listing has seen are Spark's to list.
    unlisted = tmp_path.parent / f"{tmp_path.name}-unlisted.txt"
    unlisted.write_text("u\n")
    counters.reset()
    assert text_lines(spark, [str(unlisted)]).count() == 1
    assert counters.METRIC_FILES_DISCOVERED().getCount() == 1


def test_each_input_of_a_run_is_indexed_once(spark, tmp_path, monkeypatch) -> None:
    """The demo's steps (data quality, model quality with its ground-truth merge): each
    input listed once by the job and never again by Spark, whatever reads it."""
    demo_data(tmp_path)
    for key in KNOWN_KEYS:
        monkeypatch.delenv(key, raising=False)
    counters = metrics(spark)
    steps = ("demo-baseline.yaml", "demo-monitor-drift.yaml", "demo-mq-baseline.yaml",
             "demo-mq-monitor.yaml")  # fmt: skip
    for name in steps:
        path = demo_config(tmp_path, name)
        config = yaml.safe_load(path.read_text())
        start = parse_timestamp("start_time", config.get("start_time"))
        end = parse_timestamp("end_time", config.get("end_time"))
        listed = len(list_input(config["dataset_source"], start, end).files)
        if "ground_truth_source" in config:
            listed += len(list_input(config["ground_truth_source"], start, end).files)
        counters.reset()
        assert main(["run", "--config", str(path)]) == EXIT_OK
        assert counters.METRIC_FILES_DISCOVERED().getCount() == 0, name
        assert counters.METRIC_FILE_CACHE_HITS().getCount() == listed > 0, name


def test_shuffle_partitions_follow_the_input_and_the_cores(spark) -> None:
    """Issue 36, item 2: one shuffle partition per 64 MB of input, at least two per core and
    8; set only when the submitter left the setting to the job."""
    assert shuffle_partitions(0, 2) == 8
    assert shuffle_partitions(0, 16) == 32
    assert shuffle_partitions(100 << 30, 16) == 1600
    assert shuffle_partitions(10**16, 4) == 100_000
    before = spark.conf.get("spark.sql.shuffle.partitions")
    marker = spark.conf.get(SHUFFLE_AUTO, None)
    try:
        spark.conf.set(SHUFFLE_AUTO, "false")  # the submitter set them: they stay
        size_shuffles(spark, 10 << 30)
        assert spark.conf.get("spark.sql.shuffle.partitions") == before
        spark.conf.set(SHUFFLE_AUTO, "true")
        size_shuffles(spark, 10 << 30)
        assert spark.conf.get("spark.sql.shuffle.partitions") == "160"
        size_shuffles(spark, None)  # sizes unknown: as they were
        assert spark.conf.get("spark.sql.shuffle.partitions") == "160"
    finally:
        if marker is None:
            spark.conf.unset(SHUFFLE_AUTO)
        else:
            spark.conf.set(SHUFFLE_AUTO, marker)
        spark.conf.set("spark.sql.shuffle.partitions", before)


@pytest.mark.parametrize("leader", [False, True])
def test_multi_instance_workers_are_sized_from_their_own_host(leader: bool) -> None:
    from monitor_job.runtime.spark import cpu_limit, worker_size

    reserve = 2 if leader else 1
    assert worker_size(16 << 30, 4, leader) == [
        "--cores", "4", "--memory", f"{int((16 - reserve) * 1024 * 0.75)}m",
    ]  # fmt: skip
    assert worker_size(None, None, leader) == []
    assert worker_size(1 << 30, 1, leader) == ["--cores", "1", "--memory", "512m"]
    cores = cpu_limit()
    assert cores is not None and 1 <= cores <= (__import__("os").cpu_count() or 1)
