"""The background data of Kernel SHAP (Clarify's ``methods.shap.baseline``): rows given in
the config, a CSV file (local or ``s3://``) of feature rows, or, as Clarify does when there
is none, k-means centres of the dataset (``num_clusters``), computed in Spark and weighted
by their clusters' sizes, each centre the exact mean of its cluster: the background's
weighted mean is then the dataset's mean."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from monitor_job.clarify.config import read_config_text
from monitor_job.errors import ConfigError, EmptyInputError
from monitor_job.explainability.config import ShapConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SAMPLE_BYTES = 1 << 19  # the records the k-means centres are seeded from: 512 KB of values


@dataclass(frozen=True)
class Background:
    rows: np.ndarray  # (k, features)
    weights: np.ndarray  # (k,), summing to 1
    source: str  # for the log and the summary

    def data(self, names: tuple[str, ...]) -> object:
        """shap's weighted background (``DenseData``)."""
        from shap.utils._legacy import DenseData

        return DenseData(self.rows, list(names), None, self.weights.copy())


def _read_rows(uri: str) -> np.ndarray:
    text = read_config_text(uri, "methods.shap.baseline")
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        float(lines[0].split(",")[0])
    except (ValueError, IndexError):
        lines = lines[1:]  # a header row
    try:
        rows = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2)
    except ValueError as err:
        raise ConfigError(f"methods.shap.baseline {uri}: not rows of numbers ({err})") from err
    if rows.size == 0:
        raise ConfigError(f"methods.shap.baseline {uri} holds no rows")
    return rows


def configured(shap: ShapConfig, width: int) -> Background | None:
    """The background the config names (None: k-means of the dataset)."""
    if shap.baseline is None:
        return None
    if isinstance(shap.baseline, str):
        rows, source = _read_rows(shap.baseline), f"methods.shap.baseline {shap.baseline}"
    else:
        rows, source = np.asarray(shap.baseline, dtype=float), "methods.shap.baseline rows"
    if rows.shape[1] != width:
        raise ConfigError(
            f"{source}: rows of {rows.shape[1]} value(s), the model takes {width} feature(s)"
        )
    return Background(rows, np.full(len(rows), 1.0 / len(rows)), f"{source} ({len(rows)} rows)")


def kmeans(features: DataFrame, column: str, width: int, clusters: int, seed: int) -> Background:
    """Centres of ``clusters`` k-means clusters of the array column ``column`` (arrays of
    ``width`` values).

    The same on any partition layout: the centres are seeded by scikit-learn's k-means
    (k-means++, ``random_state=seed``, as ``shap.kmeans``) on a sample of at most
    :data:`SAMPLE_BYTES` of records chosen by a hash of each record's values and the seed
    (the smallest hashes, in hash order; Spark's k-means|| seeds per partition; the cut is
    found exactly by Spark, so no task gathers the records of others), then
    every record is assigned to its nearest centre in Spark and each centre is made the
    exact mean of its cluster, weighted by its size."""
    from pyspark.ml.functions import array_to_vector, vector_to_array
    from pyspark.ml.stat import Summarizer
    from pyspark.sql import functions as F
    from sklearn.cluster import KMeans

    from monitor_job.runtime.order import smallest

    h = F.xxhash64(column, F.lit(seed))
    # the hash's top 53 bits in its own order: a double without rounding
    hashed = features.select(F.col(column).alias("x"), h.alias("h"), F.shiftright(h, 11).alias("d"))
    hashed = hashed.withColumn("d", F.col("d").cast("double"))
    limit = max(50 * clusters, SAMPLE_BYTES // (8 * max(width, 1)))
    hashed = smallest(hashed, "d", limit)  # the records up to the limit-th smallest hash
    drawn = sorted((r["h"], list(r["x"])) for r in hashed.select("h", "x").collect())
    sample = [x for _, x in drawn[:limit]]
    if not sample:
        raise EmptyInputError("no records to cluster for the SHAP background")
    points = np.asarray(sample, dtype=float)
    k = min(clusters, len(np.unique(points, axis=0)))
    seeds = KMeans(n_clusters=k, random_state=seed % 2**32, n_init=10).fit(points)
    initial = seeds.cluster_centers_

    @F.udf("int")
    def nearest(x: list[float]) -> int:
        return int(np.argmin(((initial - np.asarray(x)) ** 2).sum(axis=1)))

    centres = (
        features.select(nearest(F.col(column)).alias("prediction"), F.col(column))
        .groupBy("prediction")
        .agg(
            vector_to_array(Summarizer.mean(array_to_vector(F.col(column)))).alias("centre"),
            F.count("*").alias("size"),
        )
        .orderBy("prediction")
        .collect()
    )
    rows = np.asarray([r["centre"] for r in centres], dtype=float)
    sizes = np.asarray([r["size"] for r in centres], dtype=float)
    return Background(
        rows, sizes / sizes.sum(), f"k-means of the dataset ({len(rows)} centres, seed {seed})"
    )
