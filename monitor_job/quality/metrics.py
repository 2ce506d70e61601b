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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, Window
from pyspark.sql import functions as F

from monitor_job.errors import InputDataError
from monitor_job.quality.records import LABEL, PRED, PROB

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SAMPLES = 5
SAMPLE_SHARE = 0.8
MIN_ROWS_FOR_STD = 200
SEED = 20210205
MAX_CURVE_POINTS = 1000
BETAS = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))
_FULL = SAMPLES  # index of the full data among the variants 0..SAMPLES
_NEGATIVE = "\u0000negative"  # derived prediction below the threshold; named after aggregation


@dataclass(frozen=True)
class Metric:
    value: float
    std: float  # NaN when not computed

    def document(self) -> dict[str, Any]:
        return {"value": self.value, "standard_deviation": self.std}


@dataclass(frozen=True)
class QualityResult:
    """A problem type's metrics (JSON-ready values in SageMaker's key order), the rows they
    were computed on, and rows that could not be used, by reason."""

    problem_type: str
    item_count: int
    metrics: dict[str, Any]
    failed: dict[str, int]

    def scalars(self) -> dict[str, Metric]:
        return {k: v for k, v in self.metrics.items() if isinstance(v, Metric)}


def _div(a: float, b: float) -> float:
    """sklearn's zero_division default: 0 where the denominator is 0."""
    return a / b if b else 0.0


def f_beta(precision: float, recall: float, beta: float) -> float:
    b2 = beta * beta
    denominator = b2 * precision + recall
    return (1 + b2) * precision * recall / denominator if denominator else 0.0


def _metric(values: list[float], n: int) -> Metric:
    """values[0..SAMPLES-1] on the samples, values[SAMPLES] on the full data."""
    full = values[_FULL]
    if n < MIN_ROWS_FOR_STD:
        return Metric(full, math.nan)
    samples = values[:SAMPLES]
    if any(math.isnan(v) for v in samples):
        return Metric(full, math.nan)
    mean = sum(samples) / SAMPLES
    return Metric(full, math.sqrt(sum((v - mean) ** 2 for v in samples) / SAMPLES))


def _flags() -> list[Column]:
    """One membership column per variant: SAMPLES random 80% samples, then all rows."""
    return [F.rand(SEED + k) < SAMPLE_SHARE for k in range(SAMPLES)] + [F.lit(True)]


def _count_if(flag: Column, condition: Column | None = None) -> Column:
    cond = flag if condition is None else (flag & condition)
    return F.sum(F.when(cond, 1).otherwise(0))


# --- regression -------------------------------------------------------------------------


def regression(frame: DataFrame) -> QualityResult:
    y = F.col(LABEL).cast("double")
    p = F.col(PRED).cast("double")
    typed = frame.select(
        y.alias("y"), p.alias("p"), *[f.alias(f"s{k}") for k, f in enumerate(_flags())]
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
            _count_if(inside).alias(f"n{k}"),
            F.sum(F.when(inside, F.abs(err))).alias(f"ae{k}"),
            F.sum(F.when(inside, err * err)).alias(f"se{k}"),
            F.var_pop(F.when(inside, F.col("y"))).alias(f"var{k}"),
        ]
    [row] = typed.agg(*aggs).collect()
    n = int(row[f"n{_FULL}"])
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
    metrics: dict[str, Any] = {k: _metric(v, n) for k, v in values.items()}
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


def class_key(value: str) -> tuple[int, float, str]:
    """Numeric classes in numeric order, then the others alphabetically."""
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


Confusion = dict[str, dict[str, list[int]]]  # actual -> predicted -> counts per variant


def _confusion(rows: list[Any]) -> Confusion:
    table: Confusion = {}
    for r in rows:
        counts = [int(r[f"n{k}"]) for k in range(SAMPLES + 1)]
        table.setdefault(r["label"], {})[r["pred"]] = counts
    return table


def _cm_document(table: Confusion, classes: list[str]) -> dict[str, dict[str, int]]:
    return {
        a: {p: table.get(a, {}).get(p, [0] * (SAMPLES + 1))[_FULL] for p in classes}
        for a in classes
    }


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
    flags = _flags()
    cols = [label.alias("label"), pred.alias("pred")]
    if binary:
        score = prob if has_probability else F.when(pred == positive, 1.0).otherwise(0.0)
        cols.append(score.alias("score"))
    cols += [f.alias(f"s{k}") for k, f in enumerate(flags)]
    typed = frame.select(*cols).cache()
    try:
        grouped = (
            typed.groupBy("label", "pred")
            .agg(*[_count_if(F.col(f"s{k}")).alias(f"n{k}") for k in range(SAMPLES + 1)])
            .collect()
        )
        full = f"n{_FULL}"
        bad_label = sum(int(r[full]) for r in grouped if r["label"] is None)
        bad_pred = sum(
            int(r[full]) for r in grouped if r["label"] is not None and r["pred"] is None
        )
        good = [r for r in grouped if r["label"] is not None and r["pred"] is not None]
        table = _confusion(good)
        what = "prediction" if has_prediction else "probability"
        failed = _failed(bad_label, "missing label", bad_pred, f"missing or non-numeric {what}")
        n = sum(sum(row[_FULL] for row in preds.values()) for preds in table.values())
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


def _cells(
    table: Confusion, actual: Callable[[str], bool], predicted: Callable[[str], bool]
) -> list[int]:
    out = [0] * (SAMPLES + 1)
    for a, preds in table.items():
        if not actual(a):
            continue
        for p, counts in preds.items():
            if predicted(p):
                out = [x + y for x, y in zip(out, counts, strict=True)]
    return out


@dataclass(frozen=True)
class Curve:
    auc: list[float]  # per variant
    fpr: list[float]  # ROC points of the full data, (0, 0) first
    tpr: list[float]
    precisions: list[float]  # precision-recall points, (recall 0, precision 1) first
    recalls: list[float]


def binary_curve(typed: DataFrame, positive: str) -> Curve:
    """Exact ROC AUC (trapezoids over every distinct score, as scikit-learn's
    ``roc_auc_score``) for every variant, and the full data's curves thinned to at most
    :data:`MAX_CURVE_POINTS` points. One grouped pass by score, then one sort of the
    distinct scores with running sums (a single partition: the distinct scores, not rows)."""
    is_pos = F.col("label") == positive
    by_score = (
        typed.where(F.col("score").isNotNull())
        .groupBy("score")
        .agg(
            *[
                agg
                for k in range(SAMPLES + 1)
                for agg in (
                    _count_if(F.col(f"s{k}"), is_pos).alias(f"tp{k}"),
                    _count_if(F.col(f"s{k}"), ~is_pos).alias(f"fp{k}"),
                )
            ]
        )
    )
    order = Window.orderBy(F.desc("score"))
    running = order.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    cols = [F.col("*"), F.row_number().over(order).alias("i")]
    cols += [F.sum(f"tp{k}").over(running).alias(f"ctp{k}") for k in range(SAMPLES + 1)]
    cols.append(F.sum(f"fp{_FULL}").over(running).alias("cfp"))
    # The trapezoid a distinct score adds, twice, in count units (divided by P*N on the
    # driver): its negatives times (positives above it + positives above and at it). No lag
    # needed, so one sort of the distinct scores serves every variant.
    steps = by_score.select(*cols).cache()
    try:
        sums = steps.agg(
            F.count("*").alias("d"),
            *[
                F.sum(F.col(f"fp{k}") * (2 * F.col(f"ctp{k}") - F.col(f"tp{k}"))).alias(f"a{k}")
                for k in range(SAMPLES + 1)
            ],
            *[F.sum(f"tp{k}").alias(f"p{k}") for k in range(SAMPLES + 1)],
            *[F.sum(f"fp{k}").alias(f"n{k}") for k in range(SAMPLES + 1)],
        ).collect()[0]
        distinct = int(sums["d"])
        auc = []
        for k in range(SAMPLES + 1):
            pos, neg = int(sums[f"p{k}"] or 0), int(sums[f"n{k}"] or 0)
            auc.append(float(sums[f"a{k}"]) / (2.0 * pos * neg) if pos and neg else math.nan)
        step = max(1, math.ceil(distinct / MAX_CURVE_POINTS))
        points = (
            steps.where((F.col("i") % step == 0) | (F.col("i") == distinct))
            .select("i", f"ctp{_FULL}", "cfp")
            .orderBy("i")
            .collect()
        )
    finally:
        steps.unpersist()
    pos, neg = int(sums[f"p{_FULL}"] or 0), int(sums[f"n{_FULL}"] or 0)
    fpr, tpr, precisions, recalls = [0.0], [0.0], [1.0], [0.0]
    for r in points:
        hits, misses = int(r[f"ctp{_FULL}"]), int(r["cfp"])
        fpr.append(_div(misses, neg))
        tpr.append(_div(hits, pos))
        precisions.append(_div(hits, hits + misses))
        recalls.append(_div(hits, pos))
    return Curve(auc, fpr, tpr, precisions, recalls)


def binary_metrics(
    table: Confusion, positive: str, negative: str, n: int, curve: Curve
) -> dict[str, Any]:
    def is_pos(c: str) -> bool:
        return c == positive

    def is_neg(c: str) -> bool:
        return c != positive

    tp = _cells(table, is_pos, is_pos)
    fn = _cells(table, is_pos, is_neg)
    fp = _cells(table, is_neg, is_pos)
    tn = _cells(table, is_neg, is_neg)
    per: dict[str, list[float]] = {}
    for k in range(SAMPLES + 1):
        pos, neg = tp[k] + fn[k], tn[k] + fp[k]
        total = pos + neg
        recall = _div(tp[k], pos)
        precision = _div(tp[k], tp[k] + fp[k])
        bc_precision = _div(pos, total)
        bc_recall = 1.0 if pos else 0.0
        values = {
            "recall": recall,
            "precision": precision,
            "accuracy": _div(tp[k] + tn[k], total),
            "recall_best_constant_classifier": bc_recall,
            "precision_best_constant_classifier": bc_precision,
            "accuracy_best_constant_classifier": bc_precision,
            "true_positive_rate": recall,
            "true_negative_rate": _div(tn[k], neg),
            "false_positive_rate": _div(fp[k], neg),
            "false_negative_rate": _div(fn[k], pos),
            "auc": curve.auc[k],
        }
        for name, beta in BETAS:
            values[name] = f_beta(precision, recall, beta)
        for name, beta in BETAS:
            values[f"{name}_best_constant_classifier"] = f_beta(bc_precision, bc_recall, beta)
        for key, value in values.items():
            per.setdefault(key, []).append(value)
    m = {key: _metric(v, n) for key, v in per.items()}
    classes = sorted({positive, negative} | set(table), key=class_key)
    return {
        "confusion_matrix": _cm_document(table, classes),
        **{k: m[k] for k in list(m)[:10]},
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": curve.fpr,
            "true_positive_rates": curve.tpr,
        },
        "precision_recall_curve": {"precisions": curve.precisions, "recalls": curve.recalls},
        **{k: m[k] for k in list(m)[10:]},
    }


def multiclass_metrics(table: Confusion, n: int) -> dict[str, Any]:
    """sklearn's ``average="weighted"`` over the classes seen in labels or predictions; the
    best constant classifier always predicts the most frequent label (DummyClassifier
    ``most_frequent``; ties: the first class in order)."""
    classes = sorted(set(table) | {p for preds in table.values() for p in preds}, key=class_key)
    per: dict[str, list[float]] = {}
    for k in range(SAMPLES + 1):
        support = {c: sum(v[k] for v in table.get(c, {}).values()) for c in classes}
        predicted = {
            c: sum(table[a].get(c, [0] * (SAMPLES + 1))[k] for a in table) for c in classes
        }
        correct = {c: table.get(c, {}).get(c, [0] * (SAMPLES + 1))[k] for c in classes}
        total = sum(support.values())
        values = {"accuracy": _div(sum(correct.values()), total)}
        recall = {c: _div(correct[c], support[c]) for c in classes}
        precision = {c: _div(correct[c], predicted[c]) for c in classes}

        def weighted(
            per_class: Mapping[str, float], sup: dict[str, int] = support, n_k: int = total
        ) -> float:
            return _div(sum(sup[c] * per_class[c] for c in classes), n_k)

        values["weighted_recall"] = weighted(recall)
        values["weighted_precision"] = weighted(precision)
        for name, beta in BETAS:
            values[f"weighted_{name}"] = weighted(
                {c: f_beta(precision[c], recall[c], beta) for c in classes}
            )
        majority = max(classes, key=lambda c: (support[c], -classes.index(c)))
        share = _div(support[majority], total)
        values["accuracy_best_constant_classifier"] = share
        values["weighted_recall_best_constant_classifier"] = share
        values["weighted_precision_best_constant_classifier"] = share * share
        for name, beta in BETAS:
            values[f"weighted_{name}_best_constant_classifier"] = share * f_beta(
                share, 1.0 if total else 0.0, beta
            )
        for key, value in values.items():
            per.setdefault(key, []).append(value)
    return {
        "confusion_matrix": _cm_document(table, classes),
        **{key: _metric(v, n) for key, v in per.items()},
    }
