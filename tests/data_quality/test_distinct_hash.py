"""Distinct counts past 2^32 (issue 36, item 8): the sketch is fed a 64-bit hash of each
value's bytes. States of the earlier 32-bit hash are still read: their exact value counts
merge with today's states, their sketches never do (a rollup merges such a run from its
statistics.json and says so)."""

from __future__ import annotations

import hashlib
import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pyspark.errors.exceptions.captured import IllegalArgumentException as PySparkIllegalArgument

from monitor_job.data_quality import analysis
from monitor_job.data_quality.documents import statistics_document
from monitor_job.decode import RAW, REASON
from monitor_job.runtime import jvm
from tests.data_quality.test_rollup import rollup
from tests.datasets import cell, mixed_frame

HASH_AT = 2 + len(b"monitor-job analyzer states v2")  # the header's hash byte
# The sketch's relative standard error (lg K = 12: 1.04 / sqrt(4096)); three of them.
HLL_ERROR = 3 * 1.04 / math.sqrt(4096)


def test_a_billion_distinct_values_within_the_sketchs_error(spark) -> None:
    """Generated values through the profile's own sketch and hash: 10^9 distinct values are
    counted within HLL's error; version 1's 32-bit hash counts them about 11% low."""
    sketches = spark.sparkContext._jvm.monitorjob.aggregates.Sketches
    n = 10**9
    with ThreadPoolExecutor(2) as pool:  # one core each
        wide, narrow = pool.map(lambda w: float(sketches.estimate(n, w)), (True, False))
    assert abs(wide / n - 1) < HLL_ERROR, wide
    assert narrow / n - 1 < -0.08, narrow


def state_of(spark, frame) -> bytes:  # type: ignore[no-untyped-def]
    names = tuple(frame.columns)
    rows = [(*(cell(v) or None for v in row), None, None) for row in frame.itertuples(index=False)]
    schema = ", ".join([*(f"c{i} string" for i in range(len(names))), f"{REASON} string"])
    data = spark.createDataFrame(rows, f"{schema}, {RAW} string")
    states = analysis.profile(spark, data, names).states
    assert states is not None
    return bytes(states)


def as_older_hash(state: bytes) -> bytes:
    """The same state as the earlier version wrote it (the hash byte is outside the body's
    checksum)."""
    assert state[HASH_AT] == 2
    return state[:HASH_AT] + b"\x01" + state[HASH_AT + 1 :]


@pytest.fixture(scope="module")
def counted(spark) -> bytes:
    """300 records: every feature's values counted exactly (no sketch)."""
    return state_of(spark, mixed_frame(300, seed=3))


@pytest.fixture(scope="module")
def sketched(spark) -> bytes:
    """3,000 records: the ids and the numbers pass the cap on exact counts (sketches)."""
    frame = mixed_frame(3000, seed=4)
    frame["city"] = [f"id-{i}" for i in range(len(frame))]
    return state_of(spark, frame)


def test_older_states_say_whether_their_hash_matters(spark, counted, sketched) -> None:
    assert jvm.state_header(spark, counted).hash == jvm.STATE_HASH
    old_counted = jvm.state_header(spark, as_older_hash(counted))
    old_sketched = jvm.state_header(spark, as_older_hash(sketched))
    assert old_counted.hash == old_sketched.hash == "utf8-hashcode-32"
    assert (old_counted.sketched, old_sketched.sketched) == (False, True)


def test_exact_counts_merge_across_hashes(spark, counted, sketched) -> None:
    names = jvm.state_header(spark, counted).features
    both = analysis.merge_states(spark, [sketched, as_older_hash(counted)], names)
    same = analysis.merge_states(spark, [sketched, counted], names)
    assert both == same
    assert both.item_count == 3300


def test_sketches_of_different_hashes_never_merge(spark, sketched) -> None:
    names = jvm.state_header(spark, sketched).features
    with pytest.raises(PySparkIllegalArgument, match="different hashes cannot merge"):
        analysis.merge_states(spark, [sketched, as_older_hash(sketched)], names)


def finished_run(folder: Path, statistics: dict[str, Any], state: bytes) -> None:
    """A finished run's files as the job leaves them (its window: the hour before its path's)."""
    folder.mkdir(parents=True)
    files = {
        "statistics.json": json.dumps(statistics).encode(),
        "constraint_violations.json": b'{"violations": []}',
        "analyzer_states.bin": state,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    listed = {
        n: {"bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in files.items()
    }
    (folder / "monitor-job-summary.json").write_text(json.dumps({"files": listed}))


def test_a_rollup_merges_an_older_sketched_run_from_its_statistics(
    spark, sketched, tmp_path
) -> None:
    """Two runs: one of today, one of the earlier version (its states of the 32-bit hash,
    with sketches): the earlier one merges from its statistics.json, and the notes say why."""
    names = jvm.state_header(spark, sketched).features
    statistics = statistics_document(analysis.merge_states(spark, [sketched], names))
    runs = tmp_path / "runs"
    for hour, state in (("01", sketched), ("02", as_older_hash(sketched))):
        finished_run(runs / f"2024/03/01/{hour}", statistics, state)
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    (baseline / "statistics.json").write_text(json.dumps(statistics))
    out = tmp_path / "out"
    assert rollup(runs, out, baseline) == 0
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    assert summary["rollup"]["merged_from_statistics_only"] == [str(runs / "2024/03/01/02")]
    assert any("earlier version's 32-bit hash" in note for note in summary["notes"])
    rolled = json.loads((out / "statistics.json").read_text())
    assert rolled["dataset"]["item_count"] == 6000
