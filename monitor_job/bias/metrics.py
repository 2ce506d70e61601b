"""Clarify's bias metrics from one Spark aggregation.

Every pre- and post-training bias metric of SageMaker Clarify, except the flip test, is a
function of the counts of records by (facet group, label positive, predicted label
positive, group variable). So the data is scanned once: ``count_cells`` groups by those
flags, with one flag per facet and one Spark job for all facets, and brings back a table
of a few dozen rows. The metrics are computed from that table, on the driver, with
Clarify's own definitions and edge rules (``smclarify``, AWS's open-source library behind
Clarify, is the oracle in the tests): ``divide`` of 0/0 is 0 and x/0 is ±infinity; the
distribution metrics (KL, JS, LP, TVD, KS) use only the label values present in both
groups; an undefined metric is reported with its reason, never with a made-up value.

Not built yet (issue 14 stays open): the job kind (config, inputs, analysis.json,
monitoring with the drift rule, CloudWatch), and the flip test (FT), which needs nearest
neighbours over the features: :mod:`monitor_job.bias.flip` computes it from the records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

INFINITY = float("inf")

PRETRAINING = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POSTTRAINING = (
    "AD",
    "CDDPL",
    "DAR",
    "DCA",
    "DCR",
    "DI",
    "DPPL",
    "DRR",
    "FT",
    "GE",
    "RD",
    "SD",
    "TE",
)
DESCRIPTIONS = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "RD": "Recall Difference (RD)",
    "SD": "Specificity Difference (SD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "TE": "Treatment Equality (TE)",
    "GE": "Generalized Entropy (GE)",
    "FT": "Flip Test (FT)",
}


class Undefined(ValueError):
    """A metric that has no value on this data (an empty group, no positive labels...)."""


@dataclass(frozen=True)
class MetricValue:
    name: str
    value: float | None
    error: str | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "description": DESCRIPTIONS[self.name],
            "value": self.value,
        }
        if self.error is not None:
            doc["error"] = self.error
        return doc


def divide(a: float, b: float) -> float:
    """Clarify's division: 0/0 is 0, x/0 is ±infinity."""
    if b == 0:
        return 0.0 if a == 0 else (-INFINITY if a < 0 else INFINITY)
    return a / b


def difference(x: float, y: float) -> float:
    """x - y, where infinity minus infinity (both rates undefined) is 0, as in Clarify."""
    return 0.0 if x == y == INFINITY else x - y


# ---- the counts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    sensitive: bool
    label: bool
    predicted: bool | None
    group: str | None
    count: int


class Counts:
    """Record counts of one facet: by sensitive group, label, predicted label and group."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.cells = tuple(cells)

    def n(
        self,
        sensitive: bool | None = None,
        label: bool | None = None,
        predicted: bool | None = None,
        group: str | None = None,
    ) -> int:
        return sum(
            c.count
            for c in self.cells
            if (sensitive is None or c.sensitive == sensitive)
            and (label is None or c.label == label)
            and (predicted is None or c.predicted == predicted)
            and (group is None or c.group == group)
        )

    def outcome(
        self,
        predicted: bool,
        positive: bool,
        sensitive: bool | None = None,
        group: str | None = None,
    ) -> int:
        """Records with a positive (or negative) label, or prediction when ``predicted``."""
        if predicted:
            return self.n(sensitive=sensitive, predicted=positive, group=group)
        return self.n(sensitive=sensitive, label=positive, group=group)

    def groups(self) -> list[str]:
        return sorted({c.group for c in self.cells if c.group is not None})

    def require_both_groups(self) -> None:
        if self.n(sensitive=True) == 0:
            raise Undefined("the facet's group is empty")
        if self.n(sensitive=False) == 0:
            raise Undefined("the rest of the data (outside the facet's group) is empty")


def count_cells(
    frame: DataFrame,
    facets: Sequence[Column],
    label: Column,
    predicted: Column | None = None,
    group: Column | None = None,
) -> list[Counts]:
    """One aggregation over ``frame``: per facet (a boolean column: the record belongs to
    the facet's sensitive group), the record counts by group flag, label, prediction and
    group variable. Rows whose label (or prediction) is null are not counted."""
    from pyspark.sql import functions as F

    keys = [f.alias(f"_mj_facet_{i}") for i, f in enumerate(facets)]
    keys += [
        label.alias("_mj_label"),
        (predicted if predicted is not None else F.lit(None).cast("boolean")).alias("_mj_pred"),
        (group.cast("string") if group is not None else F.lit(None).cast("string")).alias(
            "_mj_group"
        ),
    ]
    kept = frame.where(label.isNotNull())
    if predicted is not None:
        kept = kept.where(predicted.isNotNull())
    rows = kept.groupBy(*keys).count().collect()
    return [
        Counts(
            [
                Cell(
                    bool(row[f"_mj_facet_{i}"]),
                    bool(row["_mj_label"]),
                    row["_mj_pred"],
                    row["_mj_group"],
                    int(row["count"]),
                )
                for row in rows
            ]
        )
        for i in range(len(facets))
    ]


# ---- pre-training ----------------------------------------------------------------------------


def _aligned(c: Counts) -> tuple[list[float], list[float]]:
    """The label distributions of the rest (a) and of the facet (d), over the label values
    present in both (Clarify's ``pdfs_aligned_nonzero``), in value order (False, True)."""
    c.require_both_groups()
    na, nd = c.n(sensitive=False), c.n(sensitive=True)
    pa: list[float] = []
    pd: list[float] = []
    for value in (False, True):
        a = c.n(sensitive=False, label=value)
        d = c.n(sensitive=True, label=value)
        if a and d:
            pa.append(a / na)
            pd.append(d / nd)
    if not pa:
        raise Undefined("no label value is present in both groups")
    return pa, pd


def ci(c: Counts) -> float:
    c.require_both_groups()
    na, nd = c.n(sensitive=False), c.n(sensitive=True)
    return float(na - nd) / (na + nd)


def positive_proportion_difference(c: Counts, predicted: bool) -> float:
    c.require_both_groups()
    na_pos = c.outcome(predicted, True, sensitive=False)
    nd_pos = c.outcome(predicted, True, sensitive=True)
    return na_pos / c.n(sensitive=False) - nd_pos / c.n(sensitive=True)


def kl(c: Counts) -> float:
    pa, pd = _aligned(c)
    return float(sum(a * math.log(a / d) for a, d in zip(pa, pd, strict=True)))


def js(c: Counts) -> float:
    pa, pd = _aligned(c)
    mid = [(a + d) / 2 for a, d in zip(pa, pd, strict=True)]
    return 0.5 * (
        sum(a * math.log(a / m) for a, m in zip(pa, mid, strict=True))
        + sum(d * math.log(d / m) for d, m in zip(pd, mid, strict=True))
    )


def lp(c: Counts) -> float:
    pa, pd = _aligned(c)
    return math.sqrt(sum((a - d) ** 2 for a, d in zip(pa, pd, strict=True)))


def tvd(c: Counts) -> float:
    pa, pd = _aligned(c)
    return 0.5 * sum(abs(a - d) for a, d in zip(pa, pd, strict=True))


def ks(c: Counts) -> float:
    pa, pd = _aligned(c)
    return max(abs(a - d) for a, d in zip(pa, pd, strict=True))


def conditional_demographic_disparity(c: Counts, predicted: bool) -> float:
    """CDDL (labels) / CDDPL (predictions): the group-size-weighted mean over the group
    variable's values of the facet's share of rejections minus its share of acceptances."""
    groups = c.groups()
    if not groups:
        raise Undefined("no group_variable was given")
    if c.outcome(predicted, True) == 0:
        raise Undefined("no positive labels")
    if c.outcome(predicted, False) == 0:
        raise Undefined("no negative labels")
    weighted = 0.0
    total = 0
    for g in groups:
        accepted = c.outcome(predicted, True, group=g)
        rejected = c.outcome(predicted, False, group=g)
        a = c.outcome(predicted, True, sensitive=True, group=g) / accepted if accepted else 0
        d = c.outcome(predicted, False, sensitive=True, group=g) / rejected if rejected else 0
        size = c.n(group=g)
        weighted += size * (d - a)
        total += size
    return divide(weighted, total)


# ---- post-training ---------------------------------------------------------------------------


def _confusion(c: Counts, sensitive: bool) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) of one group."""
    c.require_both_groups()
    return (
        c.n(sensitive=sensitive, label=True, predicted=True),
        c.n(sensitive=sensitive, label=False, predicted=True),
        c.n(sensitive=sensitive, label=True, predicted=False),
        c.n(sensitive=sensitive, label=False, predicted=False),
    )


def di(c: Counts) -> float:
    c.require_both_groups()
    qa = c.n(sensitive=False, predicted=True) / c.n(sensitive=False)
    qd = c.n(sensitive=True, predicted=True) / c.n(sensitive=True)
    return divide(qd, qa)


# Rates of one group's confusion counts (TP, FP, FN, TN), compared between the rest (a) and
# the facet (d): a - d, or d - a where Clarify orders it so; both infinite gives 0.
Rate = Callable[[int, int, int, int], float]
RATE_GAPS: dict[str, tuple[Rate, bool]] = {  # name: (rate, facet first)
    "DCA": (lambda tp, fp, fn, tn: divide(tp + fn, tp + fp), False),  # conditional acceptance
    "DCR": (lambda tp, fp, fn, tn: divide(tn + fp, tn + fn), True),  # conditional rejection
    "RD": (lambda tp, fp, fn, tn: divide(tp, tp + fn), False),  # recall
    "SD": (lambda tp, fp, fn, tn: divide(tn, tn + fp), True),  # specificity
    "DAR": (lambda tp, fp, fn, tn: divide(tp, tp + fp), False),  # precision (acceptance)
    "DRR": (lambda tp, fp, fn, tn: divide(tn, tn + fn), True),  # rejection rate
    "AD": (lambda tp, fp, fn, tn: divide(tp + tn, tp + fp + fn + tn), False),  # accuracy
    "TE": (lambda tp, fp, fn, tn: divide(fn, fp), True),  # treatment (FN / FP)
}


def _gap(rate: Rate, facet_first: bool) -> Callable[[Counts], float]:
    def metric(c: Counts) -> float:
        rest, facet = rate(*_confusion(c, False)), rate(*_confusion(c, True))
        return difference(facet, rest) if facet_first else difference(rest, facet)

    return metric


def ge(c: Counts) -> float:
    """Generalized entropy (alpha = 2) of the benefit b = predicted - label + 1."""
    n = c.n()
    if n == 0:
        raise Undefined("the dataset is empty")
    by_benefit = {
        b: c.n(label=label, predicted=pred)
        for b, label, pred in ((0, True, False), (2, False, True))
    }
    by_benefit[1] = n - by_benefit[0] - by_benefit[2]
    mean = sum(b * k for b, k in by_benefit.items()) / n
    if mean == 0:
        raise Undefined("every prediction is a false negative")
    return sum(k * ((b / mean) ** 2 - 1) for b, k in by_benefit.items()) / (n * 2)


def _flip_test(_c: Counts) -> float:
    raise Undefined(
        "not computed: the flip test needs the records' features and predicted labels "
        "(monitor_job/bias/flip.py), not their counts"
    )


METRICS: dict[str, Callable[[Counts], float]] = {
    "CI": ci,
    "DPL": lambda c: positive_proportion_difference(c, predicted=False),
    "KL": kl,
    "JS": js,
    "LP": lp,
    "TVD": tvd,
    "KS": ks,
    "CDDL": lambda c: conditional_demographic_disparity(c, predicted=False),
    "DPPL": lambda c: positive_proportion_difference(c, predicted=True),
    "DI": di,
    **{name: _gap(rate, first) for name, (rate, first) in RATE_GAPS.items()},
    "CDDPL": lambda c: conditional_demographic_disparity(c, predicted=True),
    "GE": ge,
    "FT": _flip_test,
}


def compute(counts: Counts, names: Sequence[str]) -> list[MetricValue]:
    """The named metrics of one facet, in name order; an undefined one carries its reason."""
    out = []
    for name in sorted(names):
        try:
            out.append(MetricValue(name, float(METRICS[name](counts))))
        except Undefined as why:
            out.append(MetricValue(name, None, str(why)))
    return out
