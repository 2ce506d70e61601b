"""The one-scan profile (issue 12): the capture decoder's fast path against its general
path, Deequ's type rule without regexes against Deequ's regexes, and every statistic that
moved off Deequ's analyzers against Deequ's own result on the same data."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from chispa import assert_df_equality
from chispa.dataframe_comparer import DataFramesNotEqualError
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from monitor_job.data_quality.analysis import profile
from monitor_job.decode.capture import decode_capture_records
from monitor_job.decode.layout import ObjectKey, SideLayout
from monitor_job.runtime.deequ import import_pydeequ
from tests.datasets import capture_line, numeric_value

WHEN = "2024-03-01T10:15:00Z"
LAYOUTS = {
    "endpointOutput": SideLayout("csv", 1, (None,)),
    "endpointInput": SideLayout("csv", 3, (None, None, None)),
}


def tricky_lines() -> list[str]:
    """One-row CSV records (the fast path) mixed with every shape the general path takes."""
    good = capture_line("0.5", "1,2,x", "BASE64", "text/csv", WHEN)
    spaced = capture_line(" 0.7 ", " 3 , ,y ", "CSV", "text/csv", WHEN)
    rows = [
        good,
        spaced,
        capture_line("0.1\n0.2", "1,2,a\n3,4,b", "CSV", "text/csv", WHEN),  # two rows
        capture_line("0.1\n", "1,2,a\n", "BASE64", "text/csv", WHEN),  # trailing newline
        capture_line("0.1", "1,2", "CSV", "text/csv", WHEN),  # wrong column count
        capture_line("0.1", "1,2,3,4", "BASE64", "text/csv", WHEN),
        capture_line("0.1\n0.2", "1,2,a", "CSV", "text/csv", WHEN),  # row count mismatch
        capture_line("0.1", "  ", "CSV", "text/csv", WHEN),  # blank payload
        capture_line("0.1", "1,2,3", "CSV", "text/csv", "2024-03-01T12:00:00Z"),  # outside
        capture_line("0.1", "1,2,3", "CSV", "text/csv", "not a time"),
        good.replace('"encoding": "BASE64"', '"encoding": "GZIP"', 1),
        json.dumps(
            {
                "captureData": {
                    "endpointInput": {"data": "@@@", "encoding": "BASE64"},
                    "endpointOutput": {"data": "MQ==", "encoding": "BASE64"},
                },
                "eventMetadata": {"inferenceTime": WHEN},
            }
        ),
        json.dumps(
            {
                "captureData": {"endpointOutput": {"data": "1", "encoding": "CSV"}},
                "eventMetadata": {"inferenceTime": WHEN},
            }
        ),  # input missing
        good.replace('"eventVersion"', '"x": 1, "eventVersion"').replace(
            '"inferenceTime"', '"invocationSource": "ShadowExperiment", "inferenceTime"'
        ),
        "{not json",
    ]
    return rows


def decoded(spark, lines: list[str], fast: bool):  # type: ignore[no-untyped-def]
    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    start = datetime(2024, 3, 1, 10, tzinfo=timezone.utc)
    end = datetime(2024, 3, 1, 11, tzinfo=timezone.utc)
    out, _ = decode_capture_records(frame, LAYOUTS, start, end, fast=fast)
    return out


def test_fast_path_equals_general_path(spark) -> None:
    lines = tricky_lines()
    fast, general = decoded(spark, lines, True), decoded(spark, lines, False)
    assert_df_equality(fast, general, ignore_row_order=True)
    rows = {tuple(r) for r in fast.collect()}
    assert ("0.5", "1", "2", "x", None, None) in rows
    assert ("0.7", "3", None, "y", None, None) in rows  # trimmed, blank is missing
    reasons = [r["_mj_reason"] for r in fast.collect() if r["_mj_reason"]]
    assert reasons.count("wrong column count") == 2
    assert {"output/input row count mismatch", "outside window", "bad base64"} <= set(reasons)


def test_fast_path_comparison_can_fail(spark) -> None:
    lines = tricky_lines()[:2]
    other = [*lines[:1], lines[1].replace("y ", "z ")]
    with pytest.raises(DataFramesNotEqualError):
        assert_df_equality(
            decoded(spark, lines, True), decoded(spark, other, False), ignore_row_order=True
        )


JSON_LAYOUTS = {
    "endpointOutput": SideLayout("json", 1, ("score",), shape="object", keys=(ObjectKey("score"),)),
    "endpointInput": SideLayout(
        "json",
        5,
        ("a", "b", None, None, "c"),
        shape="object",
        keys=(ObjectKey("a"), ObjectKey("b"), ObjectKey("v", 2), ObjectKey("c")),
    ),
}


def json_lines() -> list[str]:
    """JSON-object captures: the fast path's shape and every way a payload can differ."""

    def line(output: str, inp: str, encoding: str = "JSON", when: str = WHEN) -> str:
        return capture_line(output, inp, encoding, "application/json", when)

    good = '{"a": 1.50, "b": "x, \\"y\\"", "v": [1e5, -0], "c": true}'
    return [
        line('{"score": 0.25}', good),
        line('{"score": 0.25}', good, encoding="BASE64"),
        line('{"score": 1}', '{"b": "only b", "extra": 3}'),  # missing keys, an extra one
        line('{"score": 1}', '{"a": 1, "b": 2, "v": [1], "c": 3}'),  # a short list
        line('{"score": 1}', '{"a": 1, "b": 2, "v": [1, 2, 3], "c": 3}'),  # a long list
        line('{"score": 1}', '{"a": 1, "b": 2, "v": 7, "c": 3}'),  # not a list
        line('{"score": 1}', '{"a": {"deep": 1}, "b": [1, 2], "v": [[1], {"x": 2}], "c": null}'),
        line('{"score": 1}', "[1, 2, 3, 4, 5]"),  # a list, not an object
        line('{"score": 1}', '{"a": 1, "b": '),  # broken
        line('{"score": 1}', "  "),  # blank
        line("0.5", '{"a": 1}'),  # output not an object
        line('{"score": 1}', '{"a": 2}', when="2024-03-01T12:00:00Z"),  # outside the window
        line('{"score": 1}', '{"a": 3}', when="never"),
    ]


def test_json_fast_path_equals_general_path(spark) -> None:
    lines = json_lines()
    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    start = datetime(2024, 3, 1, 10, tzinfo=timezone.utc)
    end = datetime(2024, 3, 1, 11, tzinfo=timezone.utc)
    fast, _ = decode_capture_records(frame, JSON_LAYOUTS, start, end, fast=True)
    general, _ = decode_capture_records(frame, JSON_LAYOUTS, start, end, fast=False)
    assert_df_equality(fast, general, ignore_row_order=True)
    rows = fast.collect()
    # Numbers as the endpoint wrote them, a string's content unescaped.
    want = ("0.25", "1.50", 'x, "y"', "1e5", "-0", "true", None, None)
    assert want in [tuple(r) for r in rows]
    reasons = [r["_mj_reason"] for r in rows if r["_mj_reason"]]
    assert "outside window" in reasons and len(reasons) >= 5, reasons


# Deequ's StatefulDataType patterns (from the jar), matched as Deequ matches them.
FRACTIONAL = re.compile(r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$")
INTEGRAL = re.compile(r"^(-|\+)? ?\d+$")
BOOLEAN = re.compile(r"^(true|false)$")


def deequ_class(value: str) -> int:
    ascii_digits = value.isascii()  # Java's \d is ASCII-only; Python's is not
    if ascii_digits and FRACTIONAL.match(value) and not value.endswith("\n"):
        return 1
    if ascii_digits and INTEGRAL.match(value) and not value.endswith("\n"):
        return 2
    if BOOLEAN.match(value) and not value.endswith("\n"):
        return 3
    return 4


NUMBERISH = st.text(alphabet="0123456789+-. eEtrufals", max_size=12)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(NUMBERISH, st.text(max_size=8), st.sampled_from(["true", "false", "1e5"])))
def test_type_rule_equals_deequs_regexes(spark, value: str) -> None:
    types = spark.sparkContext._jvm.monitorjob.aggregates.DeequTypes
    assert types.classify(value) == deequ_class(value), value


def test_numbers_follow_the_type_rule(spark) -> None:
    """Spark parses exactly the values the type rule calls numbers (Deequ's regex), with
    the one optional space after the sign dropped."""
    values = ["1", "-2.5", "+ 3", "1e5", "1.5E-3", "1.", ".5", "0x1p3", "NaN", "1d", " 7", "a"]
    frame = spark.createDataFrame([(v,) for v in values], "v string")
    parsed = [r[0] for r in frame.select(numeric_value(F.col("v"))).collect()]
    types = spark.sparkContext._jvm.monitorjob.aggregates.DeequTypes
    for value, number in zip(values, parsed, strict=True):
        if deequ_class(value) in (1, 2):
            assert number == float(value.replace(" ", "")), value
        else:
            assert number is None, value
        assert (number is not None) == (types.classify(value) in (1, 2)), value


def mixed(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "i": rng.integers(-50, 50, n).astype(str),
            "f": np.round(rng.normal(3, 2, n), 3).astype(str),
            "s": rng.choice(["red", "green", "blue", "true", "7", "1.5"], n),
            "m": np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n).astype(str)),
        }
    )


@pytest.mark.parametrize("rows", [1500, 40_000])
def test_moved_statistics_equal_deequs_own(spark, rows: int) -> None:
    """Types, distinct counts and KLL buckets now come from the job's aggregates; Deequ's
    DataType, ApproxCountDistinct and KLLSketch run here on the same frame as the oracle.
    Under 2048 values both sketches are exact (buckets equal); above, within rank error."""
    data = mixed(rows, seed=rows)
    names = tuple(data.columns)
    frame = spark.createDataFrame(data.astype(object).where(data.notna(), None))
    frame = frame.toDF(*[f"c{i}" for i in range(len(names))]).selectExpr(
        "*", "CAST(NULL AS STRING) AS _mj_reason", "CAST(NULL AS STRING) AS _mj_raw"
    )
    ours = profile(spark, frame, names)

    an = import_pydeequ().analyzers
    runner = an.AnalysisRunner(spark).onData(frame)
    params = an.KLLParameters(spark, 2048, 0.64, 10)
    numbers = frame.selectExpr(*[f"CAST(c{i} AS DOUBLE) AS c{i}" for i in range(len(names))])
    for i in range(len(names)):
        runner = runner.addAnalyzer(an.DataType(f"c{i}")).addAnalyzer(
            an.ApproxCountDistinct(f"c{i}")
        )
    deequ = an.AnalyzerContext.successMetricsAsJson(spark, runner.run())
    kll_runner = an.AnalysisRunner(spark).onData(numbers)
    for i in (0, 1):
        kll_runner = kll_runner.addAnalyzer(an.KLLSketch(f"c{i}", params))
        kll_runner = kll_runner.addAnalyzer(an.Minimum(f"c{i}")).addAnalyzer(an.Maximum(f"c{i}"))
    kll_context = kll_runner.run()
    extremes = {
        (m["instance"], m["name"]): m["value"]
        for m in an.AnalyzerContext.successMetricsAsJson(spark, kll_context)
        if m["name"] in ("Minimum", "Maximum")
    }
    for i in (0, 1):  # Spark's min/max replace Deequ's Minimum/Maximum: the same values
        numeric = ours.features[i].numeric
        assert numeric is not None
        assert (numeric.min, numeric.max) == (
            extremes[(f"c{i}", "Minimum")],
            extremes[(f"c{i}", "Maximum")],
        )

    histogram = {
        (m["instance"], m["name"].removeprefix("Histogram.abs.")): m["value"]
        for m in deequ
        if m["name"].startswith("Histogram.abs.")
    }
    distinct = {m["instance"]: m["value"] for m in deequ if m["name"] == "ApproxCountDistinct"}
    for i, feature in enumerate(ours.features):
        for kind in ("Fractional", "Integral", "Boolean", "String", "Unknown"):
            assert feature.type_counts.get(kind, 0.0) == histogram.get((f"c{i}", kind), 0.0), (
                feature.name,
                kind,
            )
        if feature.string is not None:
            exact = data[feature.name].dropna().nunique()
            assert feature.string.distinct_count == exact  # exact below the cap
            assert abs(distinct[f"c{i}"] - exact) <= 0.05 * exact  # Deequ's HLL estimate

    jvm = spark.sparkContext._jvm
    conv = jvm.scala.collection.JavaConverters
    metric_map = conv.mapAsJavaMapConverter(kll_context.metricMap()).asJava()
    for key in metric_map.keySet().toArray():
        metric = metric_map.get(key)
        if metric.getClass().getSimpleName() != "KLLMetric":
            continue
        column = int(str(metric.instance())[1:])
        dist = metric.value().get()
        theirs = [
            (float(b.lowValue()), float(b.highValue()), float(b.count()))
            for b in conv.seqAsJavaListConverter(dist.buckets()).asJava()
        ]
        mine = ours.features[column].numeric.distribution  # type: ignore[union-attr]
        assert mine is not None
        n = sum(c for _, _, c in theirs)
        for (lo1, hi1, c1), (lo2, hi2, c2) in zip(mine.buckets, theirs, strict=True):
            assert (lo1, hi1) == (lo2, hi2)
            assert abs(c1 - c2) <= (0 if rows < 2048 else 0.01 * n), (column, c1, c2)
