"""Data quality's Deequ data types: type inference, type matching, and the numeric rule in Spark."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor_job.data_quality.datatypes import infer_type, matches


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, "Unknown"),
        ({"Unknown": 5}, "Unknown"),
        ({"Integral": 5}, "Integral"),
        ({"Integral": 5, "Fractional": 1}, "Fractional"),
        ({"Integral": 5, "String": 1}, "Integral"),  # mostly numeric stays numeric
        ({"Integral": 2, "String": 3}, "String"),
        ({"Boolean": 4}, "String"),
    ],
)
def test_infer_type(counts, expected) -> None:
    assert infer_type(counts) == expected


def test_type_matching() -> None:
    assert matches("Fractional", "Integral")
    assert not matches("Integral", "Fractional")
    assert matches("String", "Integral")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789+-.eE x", min_size=0, max_size=8), min_size=1, max_size=200
    )
)
def test_numeric_value_is_the_regex_and_cast(spark, values) -> None:
    """The cheap Spark expression accepts exactly what Deequ's numeric regex accepts."""
    import re

    from pyspark.sql import functions as F

    from tests.datasets import NUMERIC_REGEX, numeric_value

    frame = spark.createDataFrame([(v,) for v in values], "v string")
    got = [r[0] for r in frame.select(numeric_value(F.col("v"))).collect()]
    ascii_only = re.ASCII  # Java's \d, which Deequ's regex runs on, matches ASCII digits only
    want = [
        float(v.replace(" ", "")) if re.fullmatch(NUMERIC_REGEX, v, ascii_only) else None
        for v in values
    ]
    assert got == want


TRICKY = [
    ".5",
    "5.",
    "5.e3",
    "- 5",
    "-  5",
    "1 2",
    " 5",
    "5 ",
    "+5",
    "-5e-3",
    "1e",
    "e1",
    "--1",
    "NaN",
    "1d",
    "0x1p3",
    "",
    "+",
    "-",
    ".",
    "5e5.5",
    "-.5",
    "+.5",
    "1.5E+10",
    "Infinity",
    "1,5",
    "٣",
]


def test_numeric_value_tricky_strings(spark) -> None:
    test_numeric_value_is_the_regex_and_cast.hypothesis.inner_test(spark, TRICKY)
