"""The k-means background does not depend on the partition layout (issue 36, item 9): its
centres are seeded from records chosen by a hash of their values, and each centre is the
exact mean of its cluster, weighted by its size."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import functions as F

from monitor_job.explainability import background as bg


def vectors(spark, n: int = 4000):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    centres = rng.normal(scale=4.0, size=(6, 3))
    points = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 3))
    frame = spark.createDataFrame(pd.DataFrame(points.round(6), columns=["a", "b", "c"]))
    return frame.select(F.array("a", "b", "c").alias("v")), points.round(6)


def test_the_same_background_on_any_layout(spark, monkeypatch) -> None:
    frame, points = vectors(spark)
    got = [bg.kmeans(frame.repartition(n), "v", 3, 5, seed=3) for n in (1, 4, 9)]
    for other in got[1:]:
        np.testing.assert_allclose(other.rows, got[0].rows, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(other.weights, got[0].weights)
    # the weighted centres are the data's mean; the weights are the clusters' shares
    np.testing.assert_allclose(got[0].weights @ got[0].rows, points.mean(axis=0), atol=1e-9)
    assert len(got[0].rows) == 5 and got[0].weights.min() > 0.05
    # the seeding sample is a part of the records when they are more than it
    monkeypatch.setattr(bg, "SAMPLE_BYTES", 500 * 8 * 3)
    small = [bg.kmeans(frame.repartition(n), "v", 3, 5, seed=3) for n in (2, 7)]
    np.testing.assert_allclose(small[1].rows, small[0].rows, rtol=0, atol=1e-12)
