"""The statistics as Deequ analyzers of the job's own (issue 23): every metric against
Deequ's built-in analyzer on the same rows, states that merge like one run over the whole,
and the number rule against Python's float."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from monitor_job.contract import config_from_mapping
from monitor_job.data_quality.analysis import MAX_CATEGORICAL_VALUES, merge_states, profile
from monitor_job.data_quality.profile import DatasetProfile, ProfileHints
from monitor_job.decode import decode_dataset
from monitor_job.io import list_input
from monitor_job.runtime.deequ import import_pydeequ
from tests.datasets import (
    csv_capture_lines,
    json_capture_lines,
    mixed_frame,
    numeric_value,
    write_lines,
)

REPO = Path(__file__).resolve().parents[2]

REASON, RAW = "_mj_reason", "_mj_raw"


def table(n: int, seed: int) -> pd.DataFrame:
    """Integers, decimals, mixed strings (some numbers among them), a mostly missing
    column, and a few records that failed to decode (a reason and their raw line)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "i": rng.integers(-50, 50, n).astype(str),
            "f": np.round(rng.normal(3, 2, n), 4).astype(str),
            "s": rng.choice(["red", "green", "blue", "true", "7", "1.5", "+ 2"], n),
            "m": np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n).astype(str)),
            "e": np.where(rng.random(n) < 0.9, None, rng.exponential(1e6, n).astype(str)),
        }
    ).astype(object)
    failed = rng.random(n) < 0.02
    frame.loc[failed, :] = None
    frame[REASON] = np.where(failed, rng.choice(["bad base64", "handler raised"], n), None)
    frame[RAW] = np.where(failed, "raw line", None)
    return frame


def spark_frame(spark: SparkSession, data: pd.DataFrame, partitions: int) -> DataFrame:
    """``data`` as the decoder leaves it (``c0..``, reason, raw) in ``partitions`` slices."""
    names = [c for c in data.columns if not c.startswith("_mj")]
    schema = ", ".join(f"c{i} string" for i in range(len(names)))
    rows = [tuple(None if pd.isna(v) else str(v) for v in row) for row in data.itertuples(False)]
    rdd = spark.sparkContext.parallelize(rows, partitions)
    return spark.createDataFrame(rdd, f"{schema}, {REASON} string, {RAW} string")


def deequ_metrics(spark: SparkSession, frame: DataFrame, width: int):  # type: ignore[no-untyped-def]
    """Deequ's own analyzers on the decoded rows: the oracle."""
    an = import_pydeequ().analyzers
    decoded = frame.where(F.col(REASON).isNull())
    typed = decoded.select(
        *[F.col(f"c{i}") for i in range(width)],
        *[numeric_value(F.col(f"c{i}")).alias(f"n{i}") for i in range(width)],
    )
    runner = an.AnalysisRunner(spark).onData(typed).addAnalyzer(an.Size())
    params = an.KLLParameters(spark, 2048, 0.64, 10)
    for i in range(width):
        c, n = f"c{i}", f"n{i}"
        for analyzer in (
            an.Completeness(c),
            an.DataType(c),
            an.ApproxCountDistinct(c),
            an.Mean(n),
            an.Sum(n),
            an.StandardDeviation(n),
            an.Minimum(n),
            an.Maximum(n),
            an.KLLSketch(n, params),
        ):
            runner = runner.addAnalyzer(analyzer)
    context = runner.run()
    jvm = spark.sparkContext._jvm
    conv = jvm.scala.collection.JavaConverters
    out: dict[tuple[str, str], object] = {}
    metric_map = conv.mapAsJavaMapConverter(context.metricMap()).asJava()
    for key in metric_map.keySet().toArray():
        metric = metric_map.get(key)
        if not metric.value().isSuccess():
            continue
        kind = metric.getClass().getSimpleName()
        instance, name = str(metric.instance()), str(metric.name())
        value = metric.value().get()
        if kind == "DoubleMetric":
            out[(instance, name)] = float(value)
        elif kind == "HistogramMetric":
            values = conv.mapAsJavaMapConverter(value.values()).asJava()
            out[(instance, "DataType")] = {
                str(k): int(values.get(k).absolute()) for k in values.keySet().toArray()
            }
        elif kind == "KLLMetric":
            out[(instance, "KLL")] = (
                [
                    (float(b.lowValue()), float(b.highValue()), float(b.count()))
                    for b in conv.seqAsJavaListConverter(value.buckets()).asJava()
                ],
                [list(level) for level in value.data()],
            )
    return out


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def assert_equals_deequ(spark, frame: DataFrame, ours: DatasetProfile, one_partition: bool) -> None:  # type: ignore[no-untyped-def]
    """Every statistic of ``ours`` against Deequ's analyzers on the decoded rows of
    ``frame``; exact value counts from Spark itself."""
    theirs = deequ_metrics(spark, frame, len(ours.features))
    decoded = frame.where(F.col(REASON).isNull())
    assert ours.item_count == theirs[("*", "Size")] == decoded.count()
    failed = frame.where(F.col(REASON).isNotNull()).groupBy(REASON).count().collect()
    assert {**ours.records_failed, **ours.records_skipped} == {r[0]: r[1] for r in failed}
    for i, feature in enumerate(ours.features):
        c, n = f"c{i}", f"n{i}"
        assert close(feature.completeness, theirs[(c, "Completeness")]), feature.name  # type: ignore[arg-type]
        types = theirs[(c, "DataType")]
        for kind, count in feature.type_counts.items():
            assert count == types.get(kind, 0), (feature.name, kind)  # type: ignore[union-attr]
        numeric = feature.numeric
        if (n, "Mean") in theirs:
            assert numeric is not None, feature.name
            for ours_value, name in (
                (numeric.mean, "Mean"),
                (numeric.sum, "Sum"),
                (numeric.std_dev, "StandardDeviation"),
                (numeric.min, "Minimum"),
                (numeric.max, "Maximum"),
            ):
                assert close(ours_value, theirs[(n, name)]), (feature.name, name)  # type: ignore[arg-type]
            buckets, data_levels = theirs[(n, "KLL")]  # type: ignore[misc]
            mine = numeric.distribution
            assert mine is not None
            if one_partition:  # the same algorithm on the same sequence: the same sketch
                assert [list(level) for level in mine.sketch_data] == data_levels, feature.name
                assert list(mine.buckets) == buckets, feature.name
            else:  # Spark merged Deequ's partitions in its own order: within rank error
                total = numeric.num_present
                for (lo1, hi1, c1), (lo2, hi2, c2) in zip(mine.buckets, buckets, strict=True):
                    assert (lo1, hi1) == (lo2, hi2)
                    assert abs(c1 - c2) <= 0.01 * total, (feature.name, c1, c2)
        if feature.string is not None:
            counts = {
                r[0]: r[1] for r in decoded.where(F.col(c).isNotNull()).groupBy(c).count().collect()
            }
            exact = len(counts)
            if exact <= MAX_CATEGORICAL_VALUES:  # counted exactly below the cap
                assert feature.string.distinct_count == exact
                assert dict(feature.string.buckets or ()) == counts
            else:  # past the cap, an HLL estimate (lg k = 12: 1.6% standard error; 3 of them)
                assert feature.string.buckets is None
                assert abs(feature.string.distinct_count - exact) <= 0.05 * exact
            # Deequ's HLL++ has a relative standard deviation of 5%: three of them.
            assert abs(theirs[(c, "ApproxCountDistinct")] - exact) <= 0.15 * exact  # type: ignore[operator]


def every_column(width: int) -> ProfileHints:
    """Numeric and categorical statistics of every column, whatever its type."""
    every = frozenset(range(width))
    return ProfileHints(numeric=every, categorical=every)


@pytest.mark.parametrize(("rows", "partitions"), [(1500, 1), (40_000, 1), (40_000, 3)])
def test_every_statistic_equals_deequs_builtin(spark, rows: int, partitions: int) -> None:
    data = table(rows, seed=rows + partitions)
    names = tuple(c for c in data.columns if not c.startswith("_mj"))
    frame = spark_frame(spark, data, partitions)
    ours = profile(spark, frame, names, every_column(len(names)))
    assert ours.records_failed == data[REASON].dropna().value_counts().to_dict()
    assert_equals_deequ(spark, frame, ours, partitions == 1)


def broken_handler(tmp_path: Path) -> str:
    """The field report's handler, failing on every 25th record."""
    script = tmp_path / "handler.py"
    source = (REPO / "preprocessors" / "base64_csv.py").read_text()
    script.write_text(
        source
        + """

_decode_rows = preprocess_handler


def preprocess_handler(inference_record, logger):  # noqa: F811
    if int(inference_record.event_metadata.event_id[1:]) % 25 == 0:
        raise ValueError("the handler gave up")
    return _decode_rows(inference_record, logger)
"""
    )
    return str(script)


@pytest.mark.parametrize("payload", ["base64-csv", "json", "handler"])
def test_statistics_of_decoded_captures_equal_deequs(spark, tmp_path, payload: str) -> None:
    """Captures through the real decoder (CSV, JSON, a handler that fails on some
    records), with missing values, type errors and undecodable records."""
    frame = mixed_frame(1500, seed=11)
    frame["city"] = frame["city"].where(frame.index % 7 != 0, "12")  # numbers among strings
    lines = json_capture_lines(frame) if payload == "json" else csv_capture_lines(frame)
    lines = [line.replace('"eventId": "e"', f'"eventId": "e{i}"') for i, line in enumerate(lines)]
    lines += [
        re.sub(r'"encoding": "\w+"', '"encoding": "GZIP"', lines[0]),  # undecodable
        "{not json",
    ]
    hour = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / "10"
    write_lines(lines, hour / "part.jsonl")
    env = {
        "dataset_format": {
            "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
        },
        "dataset_source": str(tmp_path / "capture"),
        "output_path": str(tmp_path / "out"),
    }
    if payload == "handler":
        env["record_preprocessor_script"] = broken_handler(tmp_path)
    config = config_from_mapping(env)
    decoded = decode_dataset(spark, config, list_input(config.dataset_source, None, None))
    ours = profile(spark, decoded.frame, decoded.names, every_column(len(decoded.names)))
    if payload == "handler":
        assert ours.records_failed.get("handler exception: ValueError", 0) >= 1500 // 25
    assert sum(ours.records_failed.values()) >= 2
    assert_equals_deequ(spark, decoded.frame, ours, one_partition=False)


def assert_merged_equals_whole(merged: DatasetProfile, whole: DatasetProfile) -> None:
    assert merged.item_count == whole.item_count
    assert merged.records_failed == whole.records_failed
    for a, b in zip(merged.features, whole.features, strict=True):
        assert a.type_counts == b.type_counts, a.name
        assert a.completeness == b.completeness, a.name
        if b.numeric is None:
            assert a.numeric is None
            continue
        assert a.numeric is not None
        assert a.numeric.num_present == b.numeric.num_present
        for name in ("mean", "sum", "std_dev", "min", "max"):
            assert close(getattr(a.numeric, name), getattr(b.numeric, name)), (a.name, name)
        da, db = a.numeric.distribution, b.numeric.distribution
        assert da is not None and db is not None
        for (lo1, hi1, c1), (lo2, hi2, c2) in zip(da.buckets, db.buckets, strict=True):
            assert (lo1, hi1) == (lo2, hi2)
            assert abs(c1 - c2) <= 0.01 * b.numeric.num_present, (a.name, c1, c2)
        if b.string is not None:
            assert a.string is not None
            assert a.string.distinct_count == b.string.distinct_count
            assert a.string.buckets == b.string.buckets


def test_two_halves_merged_equal_one_run_over_the_whole(spark) -> None:
    data = table(30_000, seed=5)
    names = tuple(c for c in data.columns if not c.startswith("_mj"))
    half = len(data) // 2
    first = profile(spark, spark_frame(spark, data.iloc[:half], 2), names)
    second = profile(spark, spark_frame(spark, data.iloc[half:], 2), names)
    whole = profile(spark, spark_frame(spark, data, 2), names)
    merged = merge_states(spark, [first.states, second.states], names)
    assert_merged_equals_whole(merged, whole)
    # The merge is a state too: merged again with nothing, it stays the same profile.
    assert_merged_equals_whole(merge_states(spark, [merged.states], names), whole)


def test_merged_metrics_can_fail(spark) -> None:
    """The comparison catches a merge that lost a half."""
    data = table(4000, seed=9)
    names = tuple(c for c in data.columns if not c.startswith("_mj"))
    first = profile(spark, spark_frame(spark, data.iloc[:2000], 1), names)
    whole = profile(spark, spark_frame(spark, data, 1), names)
    with pytest.raises(AssertionError):
        assert_merged_equals_whole(merge_states(spark, [first.states], names), whole)


def test_a_file_that_is_not_a_state_is_refused(spark) -> None:
    with pytest.raises(Exception, match=r"not a monitor-job state file|cannot read"):
        merge_states(spark, [b"\x00\x05hello and more"], ("x",))


FRACTIONS = st.builds(
    lambda sign, space, whole, frac, exp: f"{sign}{space}{whole}{frac}{exp}",
    st.sampled_from(["", "-", "+"]),
    st.sampled_from(["", " "]),
    st.from_regex(r"[0-9]{1,20}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,20}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"[eE][-+]?[0-9]{1,3}", fullmatch=True)),
)


@settings(max_examples=600, deadline=None)
@given(value=FRACTIONS)
def test_numbers_parse_as_pythons_float(spark, value: str) -> None:
    """The aggregate's number of a value equals ``float`` of it without Deequ's space
    (the correctly rounded double, as Spark's cast and Java's parseDouble give)."""
    types = spark.sparkContext._jvm.monitorjob.aggregates.DeequTypes
    got = types.number(value)
    want = float(value.replace(" ", ""))
    assert got == want or (math.isnan(got) and math.isnan(want)), value
    assert math.copysign(1.0, got) == math.copysign(1.0, want), value
