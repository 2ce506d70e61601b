"""Model-quality metrics per problem type, aggregated in Spark, finished on the driver.

Spark reduces the rows to a few numbers (sums for regression; a confusion table and, for
binary problems, one row per distinct score); the formulas then run on those numbers, so
each metric is defined once in plain Python and checked against scikit-learn in the tests.

Standard deviations follow SageMaker's documented method: with at least 200 rows, the
metric is computed on 5 random 80% samples and the (population) standard deviation of the
5 values is reported; below 200 rows it is ``"NaN"``. The 5 samples are computed in the
same aggregations as the full data (one flag column per sample), not in extra passes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column
from pyspark.sql import functions as F

from monitor_job.errors import InputDataError
from monitor_job.groundtruth.records import LABEL, PRED, PROB
from monitor_job.model_quality.metrics import (
    FULL,
    SAMPLE_SHARE,
    SAMPLES,
    SEED,
    Confusion,
    QualityResult,
    binary_curve,
    binary_metrics,
    class_key,
    count_if,
    metric_of,
    multiclass_metrics,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_NEGATIVE = "\u0000negative"  # derived prediction below the threshold; named after aggregation


_DRAW = 1 << 30  # a record's draw: a hash of its values, in 0 .. _DRAW - 1


def _flags(frame: DataFrame) -> list[Column]:
    """One membership column per variant: SAMPLES 80% samples, then all rows. A record is in
    sample k when a hash of its own values and the seed ``SEED + k`` falls in the first 80%
    (as explainability seeds each record's draws by its values): the samples are the same
    on any partition layout, where ``F.rand`` is seeded per partition. Records with the same
    values are drawn together."""
    values = [F.col(c) for c in frame.columns]
    return [
        F.pmod(F.xxhash64(*values, F.lit(SEED + k)), F.lit(_DRAW)) < int(SAMPLE_SHARE * _DRAW)
        for k in range(SAMPLES)
    ] + [F.lit(True)]


# --- regression -------------------------------------------------------------------------


def regression(frame: DataFrame) -> QualityResult:
    y = F.col(LABEL).cast("double")
    p = F.col(PRED).cast("double")
    typed = frame.select(
        y.alias("y"), p.alias("p"), *[f.alias(f"s{k}") for k, f in enumerate(_flags(frame))]
    )
    ok = F.col("y").isNotNull() & F.col("p").isNotNull()
    err = F.col("y") - F.col("p")
    aggs = [
        F.count(F.when(F.col("y").isNull(), 1)).alias("bad_label"),
        F.count(F.when(F.col("y").isNotNull() & F.col("p").isNull(), 1)).alias("bad_pred"),
    ]
    for k in range(SAMPLES + 1):
        inside = F.col(f"s{k}") & ok
        aggs += [
            count_if(inside).alias(f"n{k}"),
            F.sum(F.when(inside, F.abs(err))).alias(f"ae{k}"),
            F.sum(F.when(inside, err * err)).alias(f"se{k}"),
            F.var_pop(F.when(inside, F.col("y"))).alias(f"var{k}"),
        ]
    [row] = typed.agg(*aggs).collect()
    n = int(row[f"n{FULL}"])
    failed = _failed(
        row["bad_label"], "non-numeric label", row["bad_pred"], "non-numeric prediction"
    )
    if n == 0:
        raise InputDataError(f"no row with a numeric prediction and label ({failed})")
    values: dict[str, list[float]] = {"mae": [], "mse": [], "rmse": [], "r2": []}
    for k in range(SAMPLES + 1):
        nk = int(row[f"n{k}"])
        if nk == 0:
            for v in values.values():
                v.append(math.nan)
            continue
        mse = float(row[f"se{k}"]) / nk
        sst = float(row[f"var{k}"]) * nk
        sse = float(row[f"se{k}"])
        values["mae"].append(float(row[f"ae{k}"]) / nk)
        values["mse"].append(mse)
        values["rmse"].append(math.sqrt(mse))
        # sklearn's r2_score (force_finite): 1 for a perfect fit of a constant, else 0.
        values["r2"].append(1 - sse / sst if sst else (1.0 if sse == 0 else 0.0))
    metrics: dict[str, Any] = {k: metric_of(v, n) for k, v in values.items()}
    return QualityResult("Regression", n, metrics, failed)


def _failed(*pairs: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for count, reason in zip(pairs[::2], pairs[1::2], strict=True):
        if count:
            out[reason] = int(count)
    return out


# --- classification ---------------------------------------------------------------------


def normalized(col: Column) -> Column:
    """Label text as a class key: integral numbers without decimals (``1.0`` -> ``1``)."""
    text = F.trim(col)
    number = text.cast("double")
    integral = number.isNotNull() & (number == F.floor(number)) & (F.abs(number) < 1e15)
    return (
        F.when(text == "", None).when(integral, number.cast("long").cast("string")).otherwise(text)
    )


def _confusion(rows: list[Any]) -> Confusion:
    table: Confusion = {}
    for r in rows:
        counts = [int(r[f"n{k}"]) for k in range(SAMPLES + 1)]
        table.setdefault(r["label"], {})[r["pred"]] = counts
    return table


def classification(
    frame: DataFrame,
    problem_type: str,
    threshold: float | None,
    positive_label: str | None,
    has_prediction: bool,
    has_probability: bool,
) -> QualityResult:
    """Binary or multiclass metrics from prediction (or probability) and label."""
    binary = problem_type == "BinaryClassification"
    positive = positive_label if positive_label is not None else "1"
    label = normalized(F.col(LABEL))
    prob = F.col(PROB).cast("double")
    if has_prediction:
        pred = normalized(F.col(PRED))
    else:  # binary from the probability: at or above the threshold is the positive class
        cut = 0.5 if threshold is None else threshold
        pred = F.when(prob >= cut, F.lit(positive)).when(prob.isNotNull(), F.lit(_NEGATIVE))
    flags = _flags(frame)
    cols = [label.alias("label"), pred.alias("pred")]
    if binary:
        score = prob if has_probability else F.when(pred == positive, 1.0).otherwise(0.0)
        cols.append(score.alias("score"))
    cols += [f.alias(f"s{k}") for k, f in enumerate(flags)]
    typed = frame.select(*cols).cache()
    try:
        grouped = (
            typed.groupBy("label", "pred")
            .agg(*[count_if(F.col(f"s{k}")).alias(f"n{k}") for k in range(SAMPLES + 1)])
            .collect()
        )
        full = f"n{FULL}"
        bad_label = sum(int(r[full]) for r in grouped if r["label"] is None)
        bad_pred = sum(
            int(r[full]) for r in grouped if r["label"] is not None and r["pred"] is None
        )
        good = [r for r in grouped if r["label"] is not None and r["pred"] is not None]
        table = _confusion(good)
        what = "prediction" if has_prediction else "probability"
        failed = _failed(bad_label, "missing label", bad_pred, f"missing or non-numeric {what}")
        n = sum(sum(row[FULL] for row in preds.values()) for preds in table.values())
        if n == 0:
            raise InputDataError(f"no row with both a prediction and a label ({failed})")
        if not binary:
            return QualityResult(problem_type, n, multiclass_metrics(table, n), failed)
        labels = sorted(table, key=class_key)
        negatives = [c for c in labels if c != positive]
        if len(negatives) > 1:
            raise InputDataError(
                f"problem_type=BinaryClassification but the labels hold {len(labels)} classes "
                f"({', '.join(labels[:10])}); set positive_label or use MulticlassClassification"
            )
        negative = negatives[0] if negatives else ("0" if positive == "1" else "negative")
        for preds in table.values():
            if _NEGATIVE in preds:
                counts = preds.pop(_NEGATIVE)
                old = preds.get(negative, [0] * (SAMPLES + 1))
                preds[negative] = [a + b for a, b in zip(old, counts, strict=True)]
        curve = binary_curve(typed.where(F.col("label").isNotNull()), positive)
        metrics = binary_metrics(table, positive, negative, n, curve)
        return QualityResult(problem_type, n, metrics, failed)
    finally:
        typed.unpersist()
