"""Kernel SHAP over the records, distributed with Spark: each task explains its records
with the ``shap`` package's ``KernelExplainer`` against the model (its calls batched, see
:mod:`~monitor_job.explainability.model`), and the driver aggregates the local values into
Clarify's global values per label.

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
from monitor_job.runtime.spark import SECRET_ENV, authenticated

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

VECTOR = "_mj_features"
ID = "_mj_id"
RECORDS_PER_TASK = 500

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
        try:
            cached = _Prefetched(model)
            kernel = explainer(cached, self.background, self.names, self.config.shap.use_logit)
            samples = nsamples(self.config, len(self.names))
            for batch in batches:
                rows = np.asarray(batch[VECTOR].tolist(), dtype=float)
                cached.fetch(rows)
                values = [
                    explain_row(kernel, row, self.config.shap.seed, samples).T.ravel().tolist()
                    for row in rows
                ]
                yield pd.DataFrame(
                    {
                        ID: batch[ID],
                        "phi": values,
                        "error": None,
                        "requests": 0,
                        "rows": 0,
                        "retries": 0,
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
            }
        )


SCHEMA = "_mj_id long, phi array<double>, error string, requests long, rows long, retries long"


@dataclass(frozen=True)
class Explained:
    ids: np.ndarray  # (records,), the input order
    values: np.ndarray  # (records, labels, features)
    calls: Calls


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
    """Every record's SHAP values (records with ``ID`` and ``VECTOR``), in ``ID`` order."""
    import os

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
    out: pd.DataFrame = mapped.toPandas()
    stats = out[out[ID] < 0]
    errors = [e for e in stats["error"] if isinstance(e, str)]
    if errors:
        raise ModelError(
            errors[0] + (f" (and {len(errors) - 1} more task(s) failed)" if len(errors) > 1 else "")
        )
    calls = Calls(
        int(stats["requests"].sum()), int(stats["rows"].sum()), int(stats["retries"].sum())
    )
    rows = out[out[ID] >= 0].sort_values(ID)
    width = len(task.names)
    values = np.asarray(rows["phi"].tolist(), dtype=float).reshape(len(rows), -1, width)
    return Explained(rows[ID].to_numpy(), values, calls)


def aggregate(values: np.ndarray, method: str) -> np.ndarray:
    """Global SHAP values (labels, features) of local ones (records, labels, features)."""
    if method == "mean_abs":
        return np.asarray(np.mean(np.abs(values), axis=0))
    if method == "mean_sq":
        return np.asarray(np.mean(values**2, axis=0))
    return np.asarray(np.median(values, axis=0))
