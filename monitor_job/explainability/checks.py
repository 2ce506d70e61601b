"""The feature attribution drift check, as AWS documents it: per label, the nDCG of the
window's ranking of features by global SHAP value, with the baseline's global SHAP values as
the relevance; below the threshold (0.9) it is a ``feature_attribution_drift_check``.

With F the features by baseline attribution a(f), descending, and F' by the window's:
DCG = sum a(F'_i) / log2(i + 1), iDCG = sum a(F_i) / log2(i + 1), nDCG = DCG / iDCG, over
the features both runs explain."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any


class NotComparable(ValueError):
    """The nDCG of two runs' attributions cannot be computed (the reason is the message)."""


def ndcg(baseline: Mapping[str, float], window: Mapping[str, float]) -> float:
    """The nDCG of the window's ranking, the baseline's attributions the relevance, over
    the features both explain. Features the window ties share their positions' discounts
    equally (scikit-learn's ``ndcg_score`` with ``ignore_ties=False``: AWS's definition
    does not say). Raises :class:`NotComparable` where no score means anything: no feature
    in common, or a baseline whose attributions are all zero (every ranking would be as
    good, and 1.0 would say "no drift")."""
    features = [f for f in baseline if f in window]
    if not features:
        raise NotComparable("no feature in common with the baseline")
    ideal = sorted((baseline[f] for f in features), reverse=True)
    best = sum(gain / math.log2(i + 2) for i, gain in enumerate(ideal))
    if best == 0:
        raise NotComparable("the baseline's attributions of the common features are all zero")
    live = sorted(features, key=lambda f: -window[f])
    dcg, position = 0.0, 0
    for _, group in itertools.groupby(live, key=lambda f: window[f]):
        tied = list(group)
        discount = sum(1 / math.log2(position + i + 2) for i in range(len(tied)))
        dcg += discount * sum(baseline[f] for f in tied) / len(tied)
        position += len(tied)
    return dcg / best


def scores(
    baseline: Mapping[str, Mapping[str, Any]], window: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """nDCG per label that both runs have (None where it cannot be computed), and why it
    cannot for those labels."""
    out: dict[str, float | None] = {}
    why: dict[str, str] = {}
    for label, entry in window.items():
        base = baseline.get(label)
        if base is None:
            continue
        then = {str(k): float(v) for k, v in (base.get("global_shap_values") or {}).items()}
        now = {str(k): float(v) for k, v in (entry.get("global_shap_values") or {}).items()}
        try:
            out[label] = ndcg(then, now)
        except NotComparable as err:
            out[label], why[label] = None, str(err)
    return out, why


def unchecked(
    baseline: Mapping[str, Mapping[str, Any]], window: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """What a drift check cannot compare, said rather than skipped: a label of either run
    that the other lacks (``label_headers`` changed, another model), and features only one
    run explains."""
    notes = [
        f"label {label}: not in the baseline, not checked"
        for label in window
        if label not in baseline
    ]
    notes += [
        f"label {label}: in the baseline, not in this run"
        for label in baseline
        if label not in window
    ]
    for label in window:
        if label in baseline:
            now = set(window[label].get("global_shap_values") or {})
            then = set(baseline[label].get("global_shap_values") or {})
            if now != then:
                notes.append(
                    f"label {label}: features in one run only, left out of the nDCG: "
                    f"{sorted(now ^ then)}"
                )
    return notes


def violations(
    by_label: Mapping[str, float | None], threshold: float, why: Mapping[str, str]
) -> list[dict[str, str]]:
    """A ``feature_attribution_drift_check`` per label below the threshold, and per label
    whose nDCG cannot be computed (``why``): a check that cannot be evaluated is not a
    passed check, so it is reported as failed with its reason rather than as no drift."""
    out = []
    for label, score in by_label.items():
        if score is None:
            description = (
                f"Feature attribution drift could not be computed: {why.get(label, 'unknown')}"
            )
        elif score < threshold:
            description = f"Feature attribution drift {score!r} exceeds threshold {threshold!r}"
        else:
            continue
        out.append(
            {
                "label": label,
                "metric_name": "shap",
                "constraint_check_type": "feature_attribution_drift_check",
                "description": description,
            }
        )
    return out
