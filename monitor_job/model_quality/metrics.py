"""Model-quality metric values and their formulas, on the driver: each metric is defined
once in plain Python over the few numbers Spark reduced the rows to (a confusion table per
sample variant; for binary problems, the score curve), and checked against scikit-learn in
the tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SAMPLES = 5
SAMPLE_SHARE = 0.8
MIN_ROWS_FOR_STD = 200
SEED = 20210205
MAX_CURVE_POINTS = 1000
BETAS = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))
FULL = SAMPLES  # index of the full data among the variants 0..SAMPLES


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


def divide(a: float, b: float) -> float:
    """sklearn's zero_division default: 0 where the denominator is 0."""
    return a / b if b else 0.0


def f_beta(precision: float, recall: float, beta: float) -> float:
    b2 = beta * beta
    denominator = b2 * precision + recall
    return (1 + b2) * precision * recall / denominator if denominator else 0.0


def metric_of(values: list[float], n: int) -> Metric:
    """values[0..SAMPLES-1] on the samples, values[SAMPLES] on the full data."""
    full = values[FULL]
    if n < MIN_ROWS_FOR_STD:
        return Metric(full, math.nan)
    samples = values[:SAMPLES]
    if any(math.isnan(v) for v in samples):
        return Metric(full, math.nan)
    mean = sum(samples) / SAMPLES
    return Metric(full, math.sqrt(sum((v - mean) ** 2 for v in samples) / SAMPLES))


def count_if(flag: Column, condition: Column | None = None) -> Column:
    cond = flag if condition is None else (flag & condition)
    return F.sum(F.when(cond, 1).otherwise(0))


def class_key(value: str) -> tuple[int, float, str]:
    """Numeric classes in numeric order, then the others alphabetically."""
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


Confusion = dict[str, dict[str, list[int]]]  # actual -> predicted -> counts per variant


def confusion_document(table: Confusion, classes: list[str]) -> dict[str, dict[str, int]]:
    return {
        a: {p: table.get(a, {}).get(p, [0] * (SAMPLES + 1))[FULL] for p in classes} for a in classes
    }


def cells(
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
    :data:`MAX_CURVE_POINTS` points. One grouped pass by score; then the distinct scores'
    running sums as Spark MLlib's ``BinaryClassificationMetrics`` makes them: a
    range-partitioned sort, each partition's totals (a few rows to the driver), and each
    partition's running sums from its offsets, so no task holds more than its range of the
    scores (a ``Window.orderBy`` without a partition put them all in one task)."""
    is_pos = F.col("label") == positive
    by_score = (
        typed.where(F.col("score").isNotNull())
        .groupBy("score")
        .agg(
            *[
                agg
                for k in range(SAMPLES + 1)
                for agg in (
                    count_if(F.col(f"s{k}"), is_pos).alias(f"tp{k}"),
                    count_if(F.col(f"s{k}"), ~is_pos).alias(f"fp{k}"),
                )
            ]
        )
    )
    # The trapezoid a distinct score adds, twice, in count units (divided by P*N on the
    # driver): its negatives times (positives above it + positives above and at it). No lag
    # needed, so one sort of the distinct scores serves every variant.
    steps, ranged = running_sums(by_score)
    steps = steps.cache()
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
            .select("i", f"ctp{FULL}", "cfp")
            .orderBy("i")
            .collect()
        )
    finally:
        steps.unpersist()
        ranged.unpersist()
    pos, neg = int(sums[f"p{FULL}"] or 0), int(sums[f"n{FULL}"] or 0)
    fpr, tpr, precisions, recalls = [0.0], [0.0], [1.0], [0.0]
    for r in points:
        hits, misses = int(r[f"ctp{FULL}"]), int(r["cfp"])
        fpr.append(divide(misses, neg))
        tpr.append(divide(hits, pos))
        precisions.append(divide(hits, hits + misses))
        recalls.append(divide(hits, pos))
    return Curve(auc, fpr, tpr, precisions, recalls)


def running_sums(by_score: DataFrame) -> tuple[DataFrame, DataFrame]:
    """``by_score`` (a row per distinct score, with ``tp<k>``, ``fp<k>``) with ``i`` (the
    1-based position by descending score), ``ctp<k>`` (the positives at or above each
    score) and ``cfp`` (the full data's negatives at or above it), computed range by range:
    the distinct scores sorted by range (each task one range), each range's totals, and
    within each range the running sums from the totals of the ranges before it. Returned
    with the persisted sorted ranges it is computed from (the totals and the rows must see
    one layout of the ranges: unpersist it when done)."""
    part = "_mj_range"
    ranged = by_score.orderBy(F.desc("score")).withColumn(part, F.spark_partition_id())
    ranged = ranged.persist()  # the ranges' totals and their rows must see one layout
    counted = [*(f"tp{k}" for k in range(SAMPLES + 1)), f"fp{FULL}"]
    totals = {
        int(r[part]): r
        for r in ranged.groupBy(part)
        .agg(F.count("*").alias("rows"), *[F.sum(c).alias(c) for c in counted])
        .collect()
    }
    # The totals of the ranges before each range: a literal map from range to offset.
    before: dict[str, list[Column]] = {c: [] for c in ["rows", *counted]}
    seen = dict.fromkeys(before, 0)
    for index in sorted(totals):
        for c in before:
            before[c] += [F.lit(index), F.lit(seen[c])]
            seen[c] += int(totals[index][c] or 0)
    offsets = {
        c: (F.create_map(*pairs)[F.col(part)] if pairs else F.lit(0)) for c, pairs in before.items()
    }
    order = Window.partitionBy(part).orderBy(F.desc("score"))
    running = order.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    cols = [F.col("*"), (offsets["rows"] + F.row_number().over(order)).alias("i")]
    cols += [
        (offsets[f"tp{k}"] + F.sum(f"tp{k}").over(running)).alias(f"ctp{k}")
        for k in range(SAMPLES + 1)
    ]
    cols.append((offsets[f"fp{FULL}"] + F.sum(f"fp{FULL}").over(running)).alias("cfp"))
    return ranged.select(*cols), ranged


def binary_metrics(
    table: Confusion, positive: str, negative: str, n: int, curve: Curve
) -> dict[str, Any]:
    def is_pos(c: str) -> bool:
        return c == positive

    def is_neg(c: str) -> bool:
        return c != positive

    tp = cells(table, is_pos, is_pos)
    fn = cells(table, is_pos, is_neg)
    fp = cells(table, is_neg, is_pos)
    tn = cells(table, is_neg, is_neg)
    per: dict[str, list[float]] = {}
    for k in range(SAMPLES + 1):
        pos, neg = tp[k] + fn[k], tn[k] + fp[k]
        total = pos + neg
        recall = divide(tp[k], pos)
        precision = divide(tp[k], tp[k] + fp[k])
        bc_precision = divide(pos, total)
        bc_recall = 1.0 if pos else 0.0
        values = {
            "recall": recall,
            "precision": precision,
            "accuracy": divide(tp[k] + tn[k], total),
            "recall_best_constant_classifier": bc_recall,
            "precision_best_constant_classifier": bc_precision,
            "accuracy_best_constant_classifier": bc_precision,
            "true_positive_rate": recall,
            "true_negative_rate": divide(tn[k], neg),
            "false_positive_rate": divide(fp[k], neg),
            "false_negative_rate": divide(fn[k], pos),
            "auc": curve.auc[k],
        }
        for name, beta in BETAS:
            values[name] = f_beta(precision, recall, beta)
        for name, beta in BETAS:
            values[f"{name}_best_constant_classifier"] = f_beta(bc_precision, bc_recall, beta)
        for key, value in values.items():
            per.setdefault(key, []).append(value)
    m = {key: metric_of(v, n) for key, v in per.items()}
    classes = sorted({positive, negative} | set(table), key=class_key)
    return {
        "confusion_matrix": confusion_document(table, classes),
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
        values = {"accuracy": divide(sum(correct.values()), total)}
        recall = {c: divide(correct[c], support[c]) for c in classes}
        precision = {c: divide(correct[c], predicted[c]) for c in classes}

        def weighted(
            per_class: Mapping[str, float], sup: dict[str, int] = support, n_k: int = total
        ) -> float:
            return divide(sum(sup[c] * per_class[c] for c in classes), n_k)

        values["weighted_recall"] = weighted(recall)
        values["weighted_precision"] = weighted(precision)
        for name, beta in BETAS:
            values[f"weighted_{name}"] = weighted(
                {c: f_beta(precision[c], recall[c], beta) for c in classes}
            )
        majority = max(classes, key=lambda c: (support[c], -classes.index(c)))
        share = divide(support[majority], total)
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
        "confusion_matrix": confusion_document(table, classes),
        **{key: metric_of(v, n) for key, v in per.items()},
    }
