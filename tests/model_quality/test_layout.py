"""Model quality's standard deviations do not depend on the partition layout (issue 36,
item 9): each record's membership in the five 80% samples is drawn from its own values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pyspark.sql import functions as F

from monitor_job.groundtruth.records import LABEL, PRED, PROB
from monitor_job.model_quality.analysis import classification, regression


def frame(spark, n: int = 3000):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(9)
    y = rng.normal(size=n)
    p = rng.uniform(size=n).round(9)
    data = pd.DataFrame(
        {
            "event": [f"e{i}" for i in range(n)],
            LABEL: (y + rng.normal(scale=0.5, size=n)).round(6).astype(str),
            PRED: y.round(6).astype(str),
            PROB: p,
        }
    )
    return spark.createDataFrame(data)


def close(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
    return a.keys() == b.keys() and all(
        math.isclose(a[k].value, b[k].value, rel_tol=1e-12)
        and math.isclose(a[k].std, b[k].std, rel_tol=1e-9, abs_tol=1e-15)
        for k in a
    )


def test_regression_stds_are_the_same_on_any_layout(spark) -> None:
    data = frame(spark)
    one, other = (regression(data.repartition(n)).scalars() for n in (2, 7))
    assert all(not math.isnan(m.std) and m.std > 0 for m in one.values())
    assert close(one, other)


def test_binary_stds_are_the_same_on_any_layout(spark) -> None:
    noisy = F.col(PROB) + F.lit(0.3) * (F.rand(1) - 0.5)  # drawn once: the frame is cached
    data = frame(spark).withColumn(LABEL, (noisy > 0.5).cast("int").cast("string")).cache()
    runs = [
        classification(data.repartition(n), "BinaryClassification", 0.5, "1", False, True).scalars()
        for n in (3, 5)
    ]
    assert close(*runs)
