"""The feature attribution drift score: nDCG as AWS documents it (the baseline's
attributions are the relevance, the window's ranking is judged), equal to scikit-learn's
``ndcg_score`` on any attributions, and on the documentation's own example."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score

from monitor_job.explainability.checks import ndcg, scores, unchecked, violations


def test_the_college_admissions_example() -> None:
    baseline = {"SAT score": 0.70, "GPA": 0.50, "Class rank": 0.05}
    live = {"SAT score": 0.10, "GPA": 0.20, "Class rank": 0.70}
    dcg = 0.05 / math.log2(2) + 0.50 / math.log2(3) + 0.70 / math.log2(4)
    ideal = 0.70 / math.log2(2) + 0.50 / math.log2(3) + 0.05 / math.log2(4)
    assert ndcg(baseline, live) == dcg / ideal < 0.9
    assert ndcg(baseline, baseline) == 1.0
    [row] = violations({"label0": dcg / ideal}, 0.9)
    assert row["description"] == f"Feature attribution drift {dcg / ideal!r} exceeds threshold 0.9"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 10.0, allow_nan=False),
            st.floats(0.0, 10.0, allow_nan=False),
        ),
        min_size=2,
        max_size=12,
        unique_by=(lambda t: t[0], lambda t: t[1]),
    )
)
def test_equals_scikit_learn(pairs: list[tuple[float, float]]) -> None:
    then = np.array([p[0] for p in pairs])
    now = np.array([p[1] for p in pairs])
    if then.sum() == 0:
        return
    names = [f"f{i}" for i in range(len(pairs))]
    ours = ndcg(dict(zip(names, then, strict=True)), dict(zip(names, now, strict=True)))
    assert math.isclose(ours, ndcg_score([then], [now]), rel_tol=1e-12, abs_tol=1e-12)


def test_labels_are_scored_when_both_runs_have_them() -> None:
    base = {"a": {"global_shap_values": {"x": 1.0, "y": 0.5}}, "b": {"global_shap_values": {}}}
    window = {"a": {"global_shap_values": {"x": 0.1, "y": 0.5}}, "c": {"global_shap_values": {}}}
    found = scores(base, window)
    assert list(found) == ["a"] and found["a"] < 1


def test_what_cannot_be_compared_is_said() -> None:
    base = {"a": {"global_shap_values": {"x": 1.0, "y": 0.5}}, "b": {"global_shap_values": {}}}
    window = {"a": {"global_shap_values": {"x": 0.1, "z": 0.5}}, "c": {"global_shap_values": {}}}
    assert unchecked(base, window) == [
        "label c: not in the baseline, not checked",
        "label b: in the baseline, not in this run",
        "label a: features in one run only, left out of the nDCG: ['y', 'z']",
    ]
    assert unchecked(base, base) == []
