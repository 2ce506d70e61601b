"""The feature attribution drift check, as AWS documents it: per label, the nDCG of the
window's ranking of features by global SHAP value, with the baseline's global SHAP values as
the relevance; below the threshold (0.9) it is a ``feature_attribution_drift_check``.

With F the features by baseline attribution a(f), descending, and F' by the window's:
DCG = sum a(F'_i) / log2(i + 1), iDCG = sum a(F_i) / log2(i + 1), nDCG = DCG / iDCG, over
the features both runs explain."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def ndcg(baseline: Mapping[str, float], window: Mapping[str, float]) -> float:
    features = [f for f in baseline if f in window]
    ideal = sorted(features, key=lambda f: -baseline[f])
    live = sorted(features, key=lambda f: -window[f])

    def dcg(order: list[str]) -> float:
        return sum(baseline[f] / math.log2(i + 2) for i, f in enumerate(order))

    best = dcg(ideal)
    return 1.0 if best == 0 else dcg(live) / best


def scores(
    baseline: Mapping[str, Mapping[str, Any]], window: Mapping[str, Mapping[str, Any]]
) -> dict[str, float]:
    """nDCG per label that both runs have."""
    out = {}
    for label, entry in window.items():
        base = baseline.get(label)
        if base is None:
            continue
        then = {str(k): float(v) for k, v in (base.get("global_shap_values") or {}).items()}
        now = {str(k): float(v) for k, v in (entry.get("global_shap_values") or {}).items()}
        out[label] = ndcg(then, now)
    return out


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


def violations(by_label: Mapping[str, float], threshold: float) -> list[dict[str, str]]:
    return [
        {
            "label": label,
            "metric_name": "shap",
            "constraint_check_type": "feature_attribution_drift_check",
            "description": f"Feature attribution drift {score!r} exceeds threshold {threshold!r}",
        }
        for label, score in by_label.items()
        if score < threshold
    ]
