"""Kernel SHAP over the records, distributed with Spark: each task explains its records
with the ``shap`` package's ``KernelExplainer`` against the model (its calls batched, see
:mod:`~monitor_job.explainability.model`). The local values stay in Spark (kept once
computed); Clarify's global values per label come from each task's sums (means) or from
Spark (the exact median), and the driver's memory does not grow with the records.

Seeded per record: before explaining a record, NumPy's generator (the one ``shap`` draws
its coalitions from) is seeded with :func:`record_seed` of the config's seed and the
record's values, so a record's SHAP values do not depend on which task explains it, in what
order: a rerun, or ``shap.KernelExplainer`` in one process seeded the same way, gives the
same values. Model failures are data inside the run: a task stops at its first and reports
it; the driver raises the first as one ``ModelError``.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor_job.errors import ModelError
from monitor_job.explainability.background import Background
from monitor_job.explainability.config import ExplainConfig
from monitor_job.explainability.model import Calls, Model
from monitor_job.runtime import order
from monitor_job.runtime.spark import SECRET_ENV, authenticated

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

VECTOR = "_mj_features"
ID = "_mj_id"
RECORDS_PER_TASK = 500
LOCAL_BYTES = 1 << 18  # out.csv: the values the driver holds at once (256 KB)

log = logging.getLogger("monitor_job")


def record_seed(seed: int, row: np.ndarray) -> int:
    """The NumPy seed a record is explained with."""
    return zlib.crc32(np.ascontiguousarray(row, dtype=np.float64).tobytes(), seed)


def nsamples(config: ExplainConfig, width: int) -> int:
    """shap's "auto" (2 x features + 2048) unless ``num_samples`` is set."""
    n = config.shap.num_samples
    return n if n is not None else 2 * width + 2048


def explainer(model: Any, background: Background, names: tuple[str, ...], logit: bool) -> Any:
    import logging

    import shap

    logging.getLogger("shap").setLevel(logging.ERROR)
    return shap.KernelExplainer(
        model, background.data(names), link="logit" if logit else "identity"
    )


def explain_row(kernel: Any, row: np.ndarray, seed: int, samples: int) -> np.ndarray:
    """One record's SHAP values, (features, outputs)."""
    np.random.seed(record_seed(seed, row))
    values = kernel.shap_values(row, nsamples=samples, l1_reg=False, silent=True)
    return np.asarray(values, dtype=float).reshape(len(row), -1)


class _Prefetched:
    """The model with each record's own prediction fetched for a whole batch in one call:
    the explainer asks for it record by record."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.known: dict[bytes, np.ndarray] = {}

    def fetch(self, rows: np.ndarray) -> None:
        self.known = {r.tobytes(): out for r, out in zip(rows, self.model(rows), strict=True)}

    def __call__(self, rows: Any) -> np.ndarray:
        data = np.asarray(rows, dtype=float)
        if data.ndim == 2 and len(data) == 1 and data[0].tobytes() in self.known:
            return self.known[data[0].tobytes()][None, :]
        return self.model(data)


@dataclass(frozen=True)
class Task:
    """What every task needs, shipped once with the function."""

    config: ExplainConfig
    names: tuple[str, ...]
    background: Background
    script: str | None

    def run(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        model = Model(self.config.predictor, self.names, self.script)
        error = None
        magnitudes: list[np.ndarray] = []  # this task's |phi| rows, for its sums
        try:
            cached = _Prefetched(model)
            kernel = explainer(cached, self.background, self.names, self.config.shap.use_logit)
            samples = nsamples(self.config, len(self.names))
            for batch in batches:
                rows = np.asarray(batch[VECTOR].tolist(), dtype=float)
                cached.fetch(rows)
                values = [
                    explain_row(kernel, row, self.config.shap.seed, samples).T.ravel()
                    for row in rows
                ]
                magnitudes += [np.abs(v) for v in values]
                yield pd.DataFrame(
                    {
                        ID: batch[ID],
                        "phi": [v.tolist() for v in values],
                        "error": None,
                        "requests": 0,
                        "rows": 0,
                        "retries": 0,
                        "abs_sums": None,
                        "square_sums": None,
                    }
                )
        except ModelError as err:
            error = str(err)
        calls = model.calls
        yield pd.DataFrame(
            {
                ID: [-1],
                "phi": [None],
                "error": [error],
                "requests": [calls.requests],
                "rows": [calls.rows],
                "retries": [calls.retries],
                "abs_sums": [_sums(magnitudes, 1)],
                "square_sums": [_sums(magnitudes, 2)],
            }
        )


def _sums(magnitudes: list[np.ndarray], power: int) -> list[float] | None:
    """Per value position, the correctly rounded sum (``math.fsum``) over the task's
    records of |phi| to ``power``: the same whatever order the records came in."""
    if not magnitudes:
        return None
    stacked = np.vstack(magnitudes) ** power
    return [math.fsum(column) for column in stacked.T.tolist()]


SCHEMA = (
    "_mj_id long, phi array<double>, error string, requests long, rows long, retries long, "
    "abs_sums array<double>, square_sums array<double>"
)


@dataclass(frozen=True)
class Explained:
    """Every record's SHAP values in Spark (``values``: ``ID`` and a column per label and
    feature, ``v{label * features + feature}``; kept until :meth:`release`), their sums per
    label and feature (for the means), and the model's calls."""

    values: DataFrame
    count: int
    labels: int
    width: int
    abs_sums: np.ndarray  # (labels, features): sum of |phi|
    square_sums: np.ndarray  # (labels, features): sum of phi^2
    calls: Calls
    persisted: DataFrame

    def column(self, label: int, feature: int) -> str:
        return f"v{label * self.width + feature}"

    def columns(self) -> list[str]:
        return [self.column(i, j) for i in range(self.labels) for j in range(self.width)]

    def release(self) -> None:
        self.persisted.unpersist()


# What an AWS client signs with: never sent to executors over an unauthenticated channel.
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def executor_aws_environment(environ: Mapping[str, str], channel_secured: bool) -> dict[str, str]:
    """The driver's ``AWS_*`` variables the executors get: all of them over an
    authenticated channel, all but the credentials otherwise (said at WARNING)."""
    chosen = {k: v for k, v in environ.items() if k.startswith("AWS_")}
    if channel_secured:
        return chosen
    withheld = [k for k in CREDENTIALS if k in chosen]
    if withheld:
        log.warning(
            "%s not sent to the executors: the Spark cluster does not authenticate its "
            "members (set %s); they use their own hosts' credentials",
            ", ".join(withheld),
            SECRET_ENV,
        )
    return {k: v for k, v in chosen.items() if k not in CREDENTIALS}


def explain(records: DataFrame, count: int, task: Task) -> Explained:
    """Every record's SHAP values (records with ``ID`` and ``VECTOR``), kept in Spark: the
    driver receives one row of sums and calls per task, never the values."""
    import os

    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    spark = records.sparkSession
    # The tasks reach an endpoint as the driver does (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME,
    # the region, credentials in the environment): the driver's AWS_* variables go with them,
    # credentials only over an authenticated channel (local, or a cluster with a secret);
    # executors elsewhere use their host's own credentials (its role).
    environment = spark.sparkContext.environment
    for key in [k for k in environment if k.startswith("AWS_") and k not in os.environ]:
        del environment[key]
    environment.update(executor_aws_environment(os.environ, authenticated(spark)))
    parts = max(
        1,
        min(
            count,
            max(spark.sparkContext.defaultParallelism * 2, math.ceil(count / RECORDS_PER_TASK)),
        ),
    )
    mapped = records.select(ID, VECTOR).repartition(parts).mapInPandas(task.run, SCHEMA)  # type: ignore[arg-type]
    # Kept: the values are read again for the median, the report and out.csv (a SHAP value
    # costs thousands of model rows; it is computed once).
    mapped = mapped.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        stats = mapped.where(F.col(ID) < 0).drop("phi").collect()  # one row per task
        errors = [r["error"] for r in stats if r["error"] is not None]
        if errors:
            more = f" (and {len(errors) - 1} more task(s) failed)" if len(errors) > 1 else ""
            raise ModelError(errors[0] + more)
    except BaseException:
        mapped.unpersist()
        raise
    calls = Calls(
        sum(int(r["requests"]) for r in stats),
        sum(int(r["rows"]) for r in stats),
        sum(int(r["retries"]) for r in stats),
    )
    width = len(task.names)
    sums = {}
    for name in ("abs_sums", "square_sums"):
        found = [r[name] for r in stats if r[name] is not None]
        total = [math.fsum(column) for column in zip(*found, strict=True)] if found else []
        sums[name] = np.asarray(total, dtype=float).reshape(-1, width)
    labels = len(sums["abs_sums"])
    phi = F.col("phi")
    values = mapped.where(F.col(ID) >= 0).select(
        ID, *[phi[k].alias(f"v{k}") for k in range(labels * width)]
    )
    return Explained(
        values, count, labels, width, sums["abs_sums"], sums["square_sums"], calls, mapped
    )


def aggregate(explained: Explained, method: str) -> np.ndarray:
    """Global SHAP values (labels, features): the mean of |phi| or of phi^2 from the tasks'
    sums, or the exact median (Spark, :func:`~monitor_job.runtime.order.medians`)."""
    if method == "mean_abs":
        return explained.abs_sums / explained.count
    if method == "mean_sq":
        return explained.square_sums / explained.count
    found = order.medians(explained.values, explained.columns())
    return np.asarray([found[c] for c in explained.columns()]).reshape(
        explained.labels, explained.width
    )


def local_rows(explained: Explained) -> Iterator[list[float]]:
    """Each record's values (label-major), in input order, a partition at a time."""
    from pyspark.sql import functions as F

    columns = explained.columns()
    # Sorted range partitions of at most about LOCAL_BYTES of values each (and at least
    # four per core: the sort is spread, and a small run's ranges are small too), streamed
    # one at a time: the driver holds one.
    spark = explained.values.sparkSession
    parts = max(
        4 * spark.sparkContext.defaultParallelism,
        math.ceil(explained.count * len(columns) * 8 / LOCAL_BYTES),
    )
    ordered = explained.values.repartitionByRange(parts, F.col(ID)).sortWithinPartitions(ID)
    for row in ordered.toLocalIterator(prefetchPartitions=False):
        yield [row[c] for c in columns]


def local_distributions(
    explained: Explained, picked: list[tuple[int, int]], bins: int
) -> list[dict[str, Any]]:
    """For each (label, feature): its local values' quantiles (min, p25, median, p75, max)
    and histogram (NumPy's, computed by Spark)."""
    columns = [explained.column(i, j) for i, j in picked]
    if not columns:
        return []
    probabilities = (("min", 0.0), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("max", 1.0))
    qs = order.quantiles(explained.values, columns, [p for _, p in probabilities])
    hs = order.histograms(explained.values, columns, bins)
    out = []
    for c in columns:
        counts, edges = hs[c]
        total = sum(counts)
        out.append(
            {
                "quantiles": {q: v for (q, _), v in zip(probabilities, qs[c], strict=True)},
                "histogram": [
                    {"lo": lo, "hi": hi, "share": n / total}
                    for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
                ],
            }
        )
    return out
