"""The feature attribution drift score: nDCG as AWS documents it (the baseline's
attributions are the relevance, the window's ranking is judged), equal to scikit-learn's
``ndcg_score`` on any attributions, and on the documentation's own example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score

from monitor_job.explainability.checks import NotComparable, ndcg, scores, unchecked, violations


def test_the_college_admissions_example() -> None:
    baseline = {"SAT score": 0.70, "GPA": 0.50, "Class rank": 0.05}
    live = {"SAT score": 0.10, "GPA": 0.20, "Class rank": 0.70}
    dcg = 0.05 / math.log2(2) + 0.50 / math.log2(3) + 0.70 / math.log2(4)
    ideal = 0.70 / math.log2(2) + 0.50 / math.log2(3) + 0.05 / math.log2(4)
    assert ndcg(baseline, live) == dcg / ideal < 0.9
    assert ndcg(baseline, baseline) == 1.0
    [row] = violations({"label0": dcg / ideal}, 0.9, {})
    assert row["description"] == f"Feature attribution drift {dcg / ideal!r} exceeds threshold 0.9"


# Attributions drawn from a few values, so that ties (in either run) and all-zero
# baselines are common, not excluded.
VALUES = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.floats(1e-6, 10.0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=12))
def test_equals_scikit_learn_ties_and_zeros_included(pairs: list[tuple[float, float]]) -> None:
    then = np.array([p[0] for p in pairs])
    now = np.array([p[1] for p in pairs])
    names = [f"f{i}" for i in range(len(pairs))]
    base, window = dict(zip(names, then, strict=True)), dict(zip(names, now, strict=True))
    if then.sum() == 0:  # scikit-learn answers 0 here; no answer means anything
        with pytest.raises(NotComparable, match="attributions of the common features are all"):
            ndcg(base, window)
        return
    want = ndcg_score([then], [now], ignore_ties=False) if len(pairs) > 1 else 1.0
    assert math.isclose(ndcg(base, window), want, rel_tol=1e-12, abs_tol=1e-12)


def test_ties_share_their_positions() -> None:
    """Two features the window ties, the baseline does not: the same score whichever
    order a sort would leave them in."""
    base = {"a": 3.0, "b": 1.0, "c": 2.0}
    assert ndcg(base, {"a": 1.0, "b": 1.0, "c": 0.0}) == ndcg(
        {"b": 1.0, "a": 3.0, "c": 2.0}, {"b": 1.0, "a": 1.0, "c": 0.0}
    )
    assert ndcg(base, {"a": 1.0, "b": 1.0, "c": 0.0}) < ndcg(base, {"a": 1.0, "b": 0.5, "c": 0.7})


def test_what_cannot_be_computed_is_a_violation_not_a_perfect_score() -> None:
    base = {
        "zero": {"global_shap_values": {"x": 0.0, "y": 0.0}},
        "apart": {"global_shap_values": {"x": 1.0}},
        "fine": {"global_shap_values": {"x": 1.0, "y": 0.5}},
    }
    window = {
        "zero": {"global_shap_values": {"x": 0.3, "y": 0.1}},
        "apart": {"global_shap_values": {"z": 1.0}},
        "fine": {"global_shap_values": {"x": 1.0, "y": 0.5}},
    }
    found, why = scores(base, window)
    assert found == {"zero": None, "apart": None, "fine": 1.0}
    assert why == {
        "zero": "the baseline's attributions of the common features are all zero",
        "apart": "no feature in common with the baseline",
    }
    rows = violations(found, 0.9, why)
    assert [(r["label"], r["description"]) for r in rows] == [
        ("zero", "Feature attribution drift could not be computed: " + why["zero"]),
        ("apart", "Feature attribution drift could not be computed: " + why["apart"]),
    ]
    assert {r["constraint_check_type"] for r in rows} == {"feature_attribution_drift_check"}


def test_labels_are_scored_when_both_runs_have_them() -> None:
    base = {"a": {"global_shap_values": {"x": 1.0, "y": 0.5}}, "b": {"global_shap_values": {}}}
    window = {"a": {"global_shap_values": {"x": 0.1, "y": 0.5}}, "c": {"global_shap_values": {}}}
    found, why = scores(base, window)
    assert list(found) == ["a"] and found["a"] is not None and found["a"] < 1 and why == {}


def test_what_cannot_be_compared_is_said() -> None:
    base = {"a": {"global_shap_values": {"x": 1.0, "y": 0.5}}, "b": {"global_shap_values": {}}}
    window = {"a": {"global_shap_values": {"x": 0.1, "z": 0.5}}, "c": {"global_shap_values": {}}}
    assert unchecked(base, window) == [
        "label c: not in the baseline, not checked",
        "label b: in the baseline, not in this run",
        "label a: features in one run only, left out of the nDCG: ['y', 'z']",
    ]
    assert unchecked(base, base) == []
