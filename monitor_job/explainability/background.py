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


def kmeans(features: DataFrame, column: str, clusters: int, seed: int) -> Background:
    """Centres of ``clusters`` k-means clusters of the array column ``column``."""
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.functions import array_to_vector, vector_to_array
    from pyspark.ml.stat import Summarizer
    from pyspark.sql import functions as F

    vectors = features.select(array_to_vector(F.col(column)).alias("features"))
    model = KMeans(k=clusters, seed=seed, maxIter=50).fit(vectors)
    centres = (
        model.transform(vectors)
        .groupBy("prediction")
        .agg(
            vector_to_array(Summarizer.mean(F.col("features"))).alias("centre"),
            F.count("*").alias("size"),
        )
        .orderBy("prediction")
        .collect()
    )
    if not centres:
        raise EmptyInputError("no records to cluster for the SHAP background")
    rows = np.asarray([r["centre"] for r in centres], dtype=float)
    sizes = np.asarray([r["size"] for r in centres], dtype=float)
    return Background(
        rows, sizes / sizes.sum(), f"k-means of the dataset ({len(rows)} centres, seed {seed})"
    )
