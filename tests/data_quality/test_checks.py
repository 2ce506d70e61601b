"""Each check fires past its threshold and stays quiet at the edge; constraints parsing.

The profiles here are built by hand so the edges are exact; the same checks run on real
Spark profiles in test_monitoring.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from monitor_job.data_quality.checks import evaluate
from monitor_job.data_quality.documents import parse_constraints
from monitor_job.data_quality.profile import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    StringStats,
)
from monitor_job.data_quality.suggest import DEFAULT_MONITORING_CONFIG
from monitor_job.errors import BaselineError

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"


def numeric(
    name: str, values: list[float], items: int, type_counts: dict[str, float]
) -> FeatureProfile:
    dist = KllDistribution((), (tuple(values),))
    stats = NumericStats(
        len(values),
        items - len(values),
        0.0,
        sum(values),
        0.0,
        min(values or [0]),
        max(values or [0]),
        dist,
    )
    return FeatureProfile(name, "Integral", len(values) / items, type_counts, numeric=stats)


def categorical(
    name: str, counts: dict[str, int], items: int, in_domain: int | None = None
) -> FeatureProfile:
    present = sum(counts.values())
    stats = StringStats(present, items - present, float(len(counts)), tuple(counts.items()))
    return FeatureProfile(
        name,
        "String",
        present / items,
        {"String": float(present)},
        string=stats,
        in_domain=in_domain,
    )


def constraints_doc(**config: Any) -> dict[str, Any]:
    monitoring = copy.deepcopy(DEFAULT_MONITORING_CONFIG)
    dist = config.pop("distribution", {})
    monitoring.update(config)
    monitoring["distribution_constraints"].update(dist)
    return {
        "version": 0.0,
        "features": [
            {"name": "x", "inferred_type": "Integral", "completeness": 0.8},
            {
                "name": "colour",
                "inferred_type": "String",
                "completeness": 1.0,
                "string_constraints": {"domains": ["red", "green", "blue"]},
            },
        ],
        "monitoring_config": monitoring,
    }


BASE_X = list(range(10))  # 0..9
BASELINE = DatasetProfile(
    10,
    (
        numeric("x", [float(v) for v in BASE_X], 10, {"Integral": 10.0}),
        categorical("colour", {"red": 5, "green": 3, "blue": 2}, 10),
    ),
)


def window(
    x_values: list[float] | None = None,
    x_items: int = 10,
    x_types: dict[str, float] | None = None,
    colour: dict[str, int] | None = None,
    in_domain: int | None = None,
    extra: tuple[FeatureProfile, ...] = (),
    drop: tuple[str, ...] = (),
) -> DatasetProfile:
    xs = [float(v) for v in BASE_X] if x_values is None else x_values
    cols = colour or {"red": 5, "green": 3, "blue": 2}
    features = (
        numeric("x", xs, x_items, x_types or {"Integral": float(len(xs))}),
        categorical(
            "colour",
            cols,
            sum(cols.values()),
            in_domain if in_domain is not None else sum(cols.values()),
        ),
        *extra,
    )
    return DatasetProfile(x_items, tuple(f for f in features if f.name not in drop))


def checks(
    doc: dict[str, Any], win: DatasetProfile, method: str | None = None
) -> set[tuple[str, str]]:
    result = evaluate(parse_constraints(doc, method), BASELINE, win)
    return {(v.feature_name, v.constraint_check_type) for v in result.violations}


def test_identical_window_is_clean() -> None:
    assert checks(constraints_doc(), window()) == set()


# data_type_check: 9 of 10 present values Integral = 0.9 match share.
@pytest.mark.parametrize(("threshold", "fires"), [(0.9, False), (0.91, True), (1.0, True)])
def test_data_type_check_edge(threshold: float, fires: bool) -> None:
    win = window(x_types={"Integral": 9.0, "String": 1.0, "Unknown": 5.0})
    got = checks(constraints_doc(datatype_check_threshold=threshold), win)
    assert (("x", "data_type_check") in got) is fires


def test_data_type_description_matches_the_container_format() -> None:
    win = window(x_types={"Integral": 0.0, "Fractional": 10.0})
    result = evaluate(parse_constraints(constraints_doc()), BASELINE, win)
    [v] = [v for v in result.violations if v.constraint_check_type == "data_type_check"]
    assert v.description == (
        "Data type match requirement is not met. Expected data type: Integral, "
        "Expected match: 100.0%. Observed: Only 0.0% of data is Integral."
    )


# completeness_check: constraint 0.8; 8 present of 10 is at the edge, 7 of 10 is below.
@pytest.mark.parametrize(("present", "fires"), [(8, False), (7, True)])
def test_completeness_check_edge(present: int, fires: bool) -> None:
    win = window(x_values=[float(v) for v in range(present)], x_items=10)
    got = checks(constraints_doc(distribution={"perform_comparison": "Disabled"}), win)
    assert (("x", "completeness_check") in got) is fires


# categorical_values_check: 9 of 10 present values in the domain.
@pytest.mark.parametrize(("threshold", "fires"), [(0.9, False), (0.95, True)])
def test_categorical_values_check_edge(threshold: float, fires: bool) -> None:
    win = window(colour={"red": 5, "green": 2, "blue": 2, "violet": 1}, in_domain=9)
    doc = constraints_doc(
        domain_content_threshold=threshold, distribution={"perform_comparison": "Disabled"}
    )
    assert (("colour", "categorical_values_check") in checks(doc, win)) is fires


def test_categorical_values_description_names_value_and_unknowns() -> None:
    win = window(colour={"red": 5, "green": 2, "blue": 2, "violet": 1}, in_domain=9)
    result = evaluate(parse_constraints(constraints_doc()), BASELINE, win)
    [v] = [v for v in result.violations if v.constraint_check_type == "categorical_values_check"]
    assert v.description.startswith("Value: 0.9 does not meet the constraint requirement!")
    assert "'violet'" in v.description and "required share: 1.0" in v.description


# Numeric drift, Simple: window 0..9 shifted by 2 -> KS distance exactly 0.2.
@pytest.mark.parametrize(("threshold", "fires"), [(0.2, False), (0.19, True)])
def test_numeric_drift_edge(threshold: float, fires: bool) -> None:
    win = window(x_values=[float(v + 2) for v in BASE_X])
    doc = constraints_doc(
        distribution={"comparison_method": "Simple", "comparison_threshold": threshold}
    )
    assert (("x", "baseline_drift_check") in checks(doc, win)) is fires


def test_drift_description_names_distance_threshold_and_sizes() -> None:
    win = window(x_values=[float(v + 5) for v in BASE_X])
    doc = constraints_doc(distribution={"comparison_method": "Simple"})
    result = evaluate(parse_constraints(doc), BASELINE, win)
    [v] = [v for v in result.violations if v.constraint_check_type == "baseline_drift_check"]
    assert v.description.endswith("distance: 0.5 exceeds threshold: 0.1")
    assert "baseline n=10, window m=10" in v.description
    assert result.drifts["x"].distance.value == 0.5


def test_robust_drift_needs_more_evidence_than_simple() -> None:
    win = window(x_values=[float(v + 5) for v in BASE_X])  # simple 0.5; robust 0 at n=m=10
    assert ("x", "baseline_drift_check") not in checks(constraints_doc(), win)


# Categorical drift, LInfinity Simple: red 5/10 -> 3/10 is the largest change, 0.2.
@pytest.mark.parametrize(("threshold", "fires"), [(0.2, False), (0.15, True)])
def test_categorical_linf_drift_edge(threshold: float, fires: bool) -> None:
    win = window(colour={"red": 3, "green": 4, "blue": 3})
    doc = constraints_doc(
        distribution={"comparison_method": "Simple", "categorical_comparison_threshold": threshold}
    )
    assert (("colour", "baseline_drift_check") in checks(doc, win)) is fires


def test_chi_squared_drift_fires_on_a_small_p_value(spark: object) -> None:
    base = DatasetProfile(
        1000,
        (
            BASELINE.features[0],
            categorical("colour", {"red": 500, "green": 300, "blue": 200}, 1000),
        ),
    )
    doc = constraints_doc(distribution={"categorical_comparison_threshold": 0.05})
    for counts, fires in (
        ({"red": 250, "green": 150, "blue": 100}, False),  # exactly the baseline frequencies
        ({"red": 150, "green": 150, "blue": 200}, True),
    ):
        win = window(colour=counts)
        result = evaluate(parse_constraints(doc, "ChiSquared"), base, win)
        got = {(v.feature_name, v.constraint_check_type) for v in result.violations}
        assert (("colour", "baseline_drift_check") in got) is fires
        assert result.drifts["colour"].distance.method == "ChiSquared"


def test_missing_and_extra_columns() -> None:
    extra = categorical("surprise", {"a": 10}, 10)
    got = checks(constraints_doc(), window(drop=("colour",), extra=(extra,)))
    assert got == {("colour", "missing_column_check"), ("surprise", "extra_column_check")}


@pytest.mark.parametrize(
    "placement",
    ["monitoring_config_overrides", "monitoringConfigOverrides", "string_constraints"],
)
def test_per_feature_evaluate_switch_in_every_spelling(placement: str) -> None:
    doc = constraints_doc()
    override = {"evaluate_constraints": "Disabled"}
    feature = doc["features"][1]
    if placement == "string_constraints":
        feature["string_constraints"]["monitoring_config_overrides"] = override
    else:
        feature[placement] = override
    win = window(colour={"red": 5, "violet": 5}, in_domain=5, drop=())
    assert checks(doc, win) == set()
    assert checks(constraints_doc(), win) != set()


def test_global_switches() -> None:
    shifted = window(x_values=[float(v + 5) for v in BASE_X], x_types={"String": 10.0})
    assert checks(constraints_doc(evaluate_constraints="Disabled"), shifted) == set()
    simple = {"comparison_method": "Simple"}
    on = checks(constraints_doc(distribution=simple), shifted)
    off = checks(
        constraints_doc(distribution={**simple, "perform_comparison": "Disabled"}), shifted
    )
    assert on - off == {("x", "baseline_drift_check")}


def test_per_feature_threshold_override() -> None:
    doc = constraints_doc(distribution={"comparison_method": "Simple"})
    doc["features"][0]["monitoring_config_overrides"] = {
        "distribution_constraints": {"comparison_threshold": 0.6}
    }
    assert checks(doc, window(x_values=[float(v + 5) for v in BASE_X])) == set()


def test_tolerant_spellings_and_env_override() -> None:
    doc = constraints_doc()
    doc["monitoring_config"]["distribution_constraints"] = {
        "perform_comparison": True,
        "comparion_method": "linf_simple",  # the 2020 docs' typo and the docs' value names
        "comparison_threshold": "0.25",
        "enable_comparisons": True,  # legacy keys are ignored
        "min_domain_mass": 1.0,
    }
    parsed = parse_constraints(doc, "ChiSquared")
    assert parsed.config.comparison_method == "Simple"
    assert parsed.config.comparison_threshold == 0.25
    assert parsed.config.categorical_drift_method == "ChiSquared"
    assert parse_constraints(constraints_doc()).config.categorical_drift_method == "LInfinity"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["monitoring_config"].update(emit_metrics="sometimes"), "emit_metrics"),
        (lambda d: d["monitoring_config"].update(datatype_check_threshold="high"), "datatype"),
        (
            lambda d: d["monitoring_config"]["distribution_constraints"].update(
                comparison_method="KS"
            ),
            "comparison_method",
        ),
        (lambda d: d.pop("features"), "features"),
        (lambda d: d["features"].append({"inferred_type": "String"}), "name"),
    ],
)
def test_bad_constraints_name_the_key(edit: Any, message: str) -> None:
    doc = constraints_doc()
    edit(doc)
    with pytest.raises(BaselineError, match=message):
        parse_constraints(doc)


@pytest.mark.parametrize(
    "path",
    [
        "sdk_constraints.json",
        "intro-2022_constraints_FROM_LOG.json",
    ],
)
def test_constraints_written_by_sagemaker_parse(path: str) -> None:
    doc = json.loads((REFERENCE / path).read_text())
    parsed = parse_constraints(doc)
    assert len(parsed.features) == len(doc["features"]) > 0
    assert parsed.document is doc  # written back unchanged


def test_sdk_test_file_overrides_are_read() -> None:
    doc = json.loads((REFERENCE / "sdk_constraints.json").read_text())
    nested = [
        f["name"]
        for f in doc["features"]
        if "monitoring_config_overrides" in (f.get("string_constraints") or {})
    ]
    assert nested, "the reference file no longer has nested overrides"
    for f in doc["features"]:
        if f["name"] in nested:
            f["string_constraints"]["monitoring_config_overrides"]["evaluate_constraints"] = (
                "Disabled"
            )
    parsed = parse_constraints(doc)
    assert all(not parsed.feature(n).config.evaluate_constraints for n in nested)  # type: ignore[union-attr]
