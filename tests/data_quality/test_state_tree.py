"""The profile's final merge (issue 36, item 1): partitions' states merged in levels keyed by
ranges of partition ids (``StateTree``), the same bytes for any arrival order, empty
partitions included, and the same counts and moments for any fan-in."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import types as T

from monitor_job.data_quality.analysis import _spec
from monitor_job.data_quality.profile import ProfileHints
from monitor_job.decode import RAW, REASON

NAMES = ("price", "count", "colour")
PARTITIONS = 40
# No rows: the first, the last, one in the middle and a whole range of 4 (a group at fan-in 4).
EMPTY = frozenset({0, 9, 12, 13, 14, 15, 39})
SCHEMA = T.StructType(
    [T.StructField(f"c{i}", T.StringType()) for i in range(len(NAMES))]
    + [T.StructField(REASON, T.StringType()), T.StructField(RAW, T.StringType())]
)


def rows(partition: int) -> list[tuple[str | None, ...]]:
    rng = random.Random(partition)
    out: list[tuple[str | None, ...]] = []
    for i in range(rng.randint(50, 400)):
        if i % 97 == 5:
            out.append((None, None, None, "malformed JSON", f"bad line {partition}/{i}"))
            continue
        price = f"{rng.lognormvariate(3, 1):.6f}"
        count = str(rng.randint(0, 10**6)) if i % 13 else None
        out.append((price, count, rng.choice("rgbcmyk"), None, None))
    return out


@pytest.fixture(scope="module")
def frame(spark):  # type: ignore[no-untyped-def]
    keyed = [(p, row) for p in range(PARTITIONS) if p not in EMPTY for row in rows(p)]
    rdd = spark.sparkContext.parallelize(keyed, 4).partitionBy(PARTITIONS, lambda p: p).values()
    out = spark.createDataFrame(rdd, SCHEMA)
    assert out.rdd.getNumPartitions() == PARTITIONS
    return out


@pytest.fixture(scope="module")
def spec(spark):  # type: ignore[no-untyped-def]
    return _spec(spark, NAMES, ProfileHints())


def profiler(spark) -> Any:  # type: ignore[no-untyped-def]
    return spark.sparkContext._jvm.monitorjob.aggregates.Profiler


@pytest.fixture(scope="module")
def partition_states(spark, frame, spec) -> dict[int, bytes]:  # type: ignore[no-untyped-def]
    states = profiler(spark).partitionStates(frame._jdf, spec)
    return {i: bytes(s) for i, s in enumerate(states) if s is not None}


def test_partitions_without_rows_give_no_state(partition_states) -> None:  # type: ignore[no-untyped-def]
    assert set(partition_states) == set(range(PARTITIONS)) - EMPTY


@pytest.mark.parametrize("fan_in", [2, 3, 4, 32, 64])
def test_spark_merges_as_the_tree_on_one_machine(
    spark, frame, spec, partition_states, fan_in
) -> None:  # type: ignore[no-untyped-def]
    ran = bytes(profiler(spark).run(frame._jdf, spec, fan_in).states())
    ids = sorted(partition_states)
    local = profiler(spark).mergeTree(
        spec, PARTITIONS, ids, [bytearray(partition_states[i]) for i in ids], fan_in
    )
    assert ran == bytes(local)


@settings(max_examples=30, deadline=None)
@given(
    order=st.permutations(sorted(set(range(PARTITIONS)) - EMPTY)),
    fan_in=st.sampled_from([2, 3, 4, 7, 32]),
)
def test_the_same_bytes_for_any_arrival_order(spark, spec, partition_states, order, fan_in) -> None:  # type: ignore[no-untyped-def]
    merge = profiler(spark).mergeTree
    states = partition_states
    in_order = sorted(states)
    expected = bytes(
        merge(spec, PARTITIONS, in_order, [bytearray(states[i]) for i in in_order], fan_in)
    )
    shuffled = bytes(
        merge(spec, PARTITIONS, list(order), [bytearray(states[i]) for i in order], fan_in)
    )
    assert shuffled == expected


def test_one_level_is_the_one_aggregates_fold(spark, frame, spec) -> None:  # type: ignore[no-untyped-def]
    """At most fan-in partitions: the bytes of the single-task fold this tree replaced."""
    aggregate = spark.sparkContext._jvm.monitorjob.aggregates.ProfileAggregator
    none = spark.sparkContext._gateway.new_array(
        spark.sparkContext._jvm.org.apache.spark.sql.Column, 0
    )
    row = frame._jdf.agg(aggregate.of(spec), none).collectAsList()[0]
    assert bytes(profiler(spark).run(frame._jdf, spec, 64).states()) == bytes(row.get(0))


def test_levels_keep_counts_exact_and_moments(spark, frame, spec) -> None:  # type: ignore[no-untyped-def]
    deep = json.loads(profiler(spark).run(frame._jdf, spec, 2).json())
    flat = json.loads(profiler(spark).run(frame._jdf, spec, 64).json())
    assert (
        deep["size"]
        == flat["size"]
        == sum(1 for p in range(PARTITIONS) if p not in EMPTY for r in rows(p) if r[3] is None)
    )
    assert deep["reasons"]["counts"] == flat["reasons"]["counts"]
    for a, b in zip(deep["columns"], flat["columns"], strict=True):
        assert a.keys() == b.keys()
        for statistic, value in a.items():
            if isinstance(value, float):
                assert math.isclose(value, b[statistic], rel_tol=1e-9, abs_tol=1e-9), statistic
            elif statistic != "KLL":  # a sketch: its compactions follow the merge order
                assert value == b[statistic], statistic


def test_a_fan_in_below_two_is_refused(spark, frame, spec) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match="fan-in of 2 or more"):
        profiler(spark).run(frame._jdf, spec, 1)
