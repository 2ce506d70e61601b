"""Custom checks (``custom_checks``) against Deequ's own ``VerificationSuite`` on the same
typed rows: a window with planted faults (duplicated ids, malformed and missing emails,
rows over a limit), read as CSV and as JSON captures."""

from __future__ import annotations

import json
import math
import operator
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from tests.datasets import json_capture_lines, write_csv, write_lines

ROWS = 3000
EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "custom_checks" / "example.yaml"
# The example, then one check of every other rule.
EVERY_RULE = EXAMPLE.with_name("every-rule.yaml")
CHECKS = EXAMPLE.read_text() + EVERY_RULE.read_text()
# Within their sketches' error, not equal: the profile's KLL sketch and distinct-count
# sketch answer them (a 64-bit hash, where Deequ's HLL++ hashes with its own).
APPROXIMATE = {"amount_median": 0.02 * (3990 - 10), "email_approx_distinct": 0.03 * ROWS}
TYPES = {
    "id": "bigint",
    "email": "string",
    "amount": "double",
    "credit_limit": "double",
    "country": "string",
    "segment": "string",
    "url": "string",
}


def population(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "email": [f"user{i}@example.com" for i in range(rows)],
            "amount": np.round(rng.uniform(10, 3990, rows), 2),
            "credit_limit": np.round(rng.uniform(4000, 6000, rows), 2),
            "country": rng.choice(["US", "FR", "DE"], rows, p=[0.5, 0.3, 0.2]),
            "segment": rng.choice(["a", "b"], rows),
            "url": [f"https://example.com/u/{i}" for i in range(rows)],
        }
    )


def planted(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    frame = population(rows, rng).astype(object)
    frame.loc[20:39, "id"] = list(range(20))  # 20 duplicated ids
    bad = rng.permutation(rows)
    frame.loc[bad[:60], "email"] = "not-an-email"  # 2 % malformed
    frame.loc[bad[60:90], "email"] = None  # 1 % missing
    over = bad[90:120]  # 1 % over the limit
    frame.loc[over, "amount"] = frame.loc[over, "credit_limit"] + 5
    frame.loc[bad[120:135], "amount"] = None
    frame.loc[bad[135:150], "url"] = "ftp:/broken"
    return frame


def _op(assertion: list[Any]) -> Any:
    ops = {
        "==": operator.eq,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }
    if assertion[0] == "between":
        return lambda x: assertion[1] <= x <= assertion[2]
    return lambda x: ops[assertion[0]](x, assertion[1])


def deequ_oracle(spark, frame: pd.DataFrame, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """Each check through PyDeequ's ``VerificationSuite`` on the typed rows: the value
    Deequ's constraint gives its assertion, and the check's status."""
    os.environ.setdefault("SPARK_VERSION", "3.5")  # PyDeequ's Deequ coordinates (unused)
    from pydeequ.checks import Check, CheckLevel
    from pydeequ.scala_utils import ScalaFunction1
    from pydeequ.verification import VerificationResult, VerificationSuite

    # Deequ 2.1 hashes a check's constraints, assertion included; PyDeequ's Python
    # assertion does not answer hashCode, so it is given the object's identity.
    ScalaFunction1.hashCode = lambda self: id(self) % (2**31)  # type: ignore[attr-defined]
    ScalaFunction1.equals = lambda self, other: False  # type: ignore[attr-defined]

    schema = ", ".join(f"`{c}` {t}" for c, t in TYPES.items())
    rows = [
        tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in r)
        for r in frame[list(TYPES)].itertuples(index=False)
    ]
    data = spark.createDataFrame(rows, schema)
    seen: dict[str, float] = {}
    suite = VerificationSuite(spark).onData(data)
    for c in checks:
        name = c["name"]
        holds = _op(c.get("assert", ["==", 1]))

        def record(x: float, name: str = name, holds: Any = holds) -> bool:
            seen[name] = x
            return bool(holds(x))

        built = _constraint(Check(spark, CheckLevel.Error, name), c, record)
        if "where" in c:
            built = built.where(c["where"])
        suite = suite.addCheck(built)
    result = suite.run()
    statuses = {
        r["check"]: r["check_status"]
        for r in VerificationResult.checkResultsAsDataFrame(spark, result).collect()
    }
    metrics = VerificationResult.successMetricsAsJson(spark, result)
    by_instance = {(m["name"], m["instance"]): m["value"] for m in metrics}
    fixed = {  # rules without an assertion: their metric is their value
        "isComplete": "Completeness",
        "isUnique": "Uniqueness",
        "areComplete": "Compliance",
    }
    for c in checks:
        if c["rule"] in fixed:
            instance = c.get("column") or "Combined Completeness"
            seen[c["name"]] = by_instance[(fixed[c["rule"]], instance)]
    return {c["name"]: (seen.get(c["name"]), statuses[c["name"]]) for c in checks}


def _constraint(check: Any, c: dict[str, Any], record: Any) -> Any:
    """PyDeequ's call for the check ``c`` (its rule, with the recording assertion)."""
    from pydeequ.checks import ConstrainableDataTypes

    column, a, b = c.get("column"), c.get("columnA"), c.get("columnB")
    calls = {
        "hasSize": lambda: check.hasSize(record),
        "isComplete": lambda: check.isComplete(column),
        "hasCompleteness": lambda: check.hasCompleteness(column, record),
        "areComplete": lambda: check.areComplete(c["columns"]),
        "isUnique": lambda: check.isUnique(column),
        "hasUniqueness": lambda: check.hasUniqueness(c["columns"], record),
        "hasDistinctness": lambda: check.hasDistinctness(c["columns"], record),
        "hasNumberOfDistinctValues": lambda: check.hasNumberOfDistinctValues(
            column, record, None, 1000
        ),
        "hasEntropy": lambda: check.hasEntropy(column, record),
        "hasMutualInformation": lambda: check.hasMutualInformation(a, b, record),
        "hasApproxCountDistinct": lambda: check.hasApproxCountDistinct(column, record),
        "hasMin": lambda: check.hasMin(column, record),
        "hasMax": lambda: check.hasMax(column, record),
        "hasMean": lambda: check.hasMean(column, record),
        "hasSum": lambda: check.hasSum(column, record),
        "hasStandardDeviation": lambda: check.hasStandardDeviation(column, record),
        "hasApproxQuantile": lambda: check.hasApproxQuantile(column, c["quantile"], record),
        "hasCorrelation": lambda: check.hasCorrelation(a, b, record),
        "hasMinLength": lambda: check.hasMinLength(column, record),
        "hasMaxLength": lambda: check.hasMaxLength(column, record),
        "hasPattern": lambda: check.hasPattern(column, c["pattern"], record),
        "containsEmail": lambda: check.containsEmail(column, record),
        "containsURL": lambda: check.containsURL(column, record),
        "isNonNegative": lambda: check.isNonNegative(column, record),
        "isPositive": lambda: check.isPositive(column, record),
        "isContainedIn": lambda: check.isContainedIn(column, c["allowed_values"], record),
        "satisfies": lambda: check.satisfies(c["condition"], c["condition"], record),
        "isLessThan": lambda: check.isLessThan(a, b, record),
        "isLessThanOrEqualTo": lambda: check.isLessThanOrEqualTo(a, b, record),
        "isGreaterThan": lambda: check.isGreaterThan(a, b, record),
        "isGreaterThanOrEqualTo": lambda: check.isGreaterThanOrEqualTo(a, b, record),
        "hasDataType": lambda: check.hasDataType(column, ConstrainableDataTypes.Numeric, record),
    }
    return calls[c["rule"]]()


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("custom")
    rng = np.random.default_rng(11)
    train, window = population(ROWS, rng), planted(ROWS, rng)
    write_csv(train, root / "train.csv")
    checks = root / "checks.yaml"
    checks.write_text(CHECKS)
    base = root / "base"
    args = ["--checks", str(checks)]
    assert (
        main(["baseline", "--dataset", str(root / "train.csv"), "--output", str(base), *args]) == 0
    )
    write_csv(window, root / "csv" / "window.csv", header=False)
    write_lines(json_capture_lines(window), root / "capture" / "c.jsonl")
    out: dict[str, Any] = {"window": window, "base": base, "checks": checks, "root": root}
    sc = spark.sparkContext
    for kind, fmt in (("csv", "csv"), ("capture", "capture")):
        group = f"custom-{kind}"
        sc.setJobGroup(group, "custom checks")
        code = main(
            [
                "monitor",
                "--dataset",
                str(root / kind),
                "--format",
                fmt,
                "--output",
                str(root / f"out-{kind}"),
                "--baseline-statistics",
                str(base / "statistics.json"),
                "--baseline-constraints",
                str(base / "constraints.json"),
                *args,
            ]
        )
        sc.setJobGroup("", "")
        assert code in (EXIT_OK,), code
        out[kind] = root / f"out-{kind}"
    yield out
    spark.sparkContext._gateway.shutdown_callback_server()  # PyDeequ's, for the assertions


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "monitor-job-summary.json").read_text())


@pytest.mark.parametrize("kind", ["csv", "capture"])
def test_every_check_equals_deequs_verification_suite(spark, runs, kind) -> None:
    checks = yaml.safe_load(CHECKS)["checks"]
    oracle = deequ_oracle(spark, runs["window"], checks)
    mine = _summary(runs[kind])["custom_checks"]
    assert set(mine) == {c["name"] for c in checks}
    for c in checks:
        name = c["name"]
        value, status = oracle[name]
        got = mine[name]
        assert got["value"] is not None, (name, got)
        if name in APPROXIMATE:
            assert abs(got["value"] - value) <= APPROXIMATE[name], (name, got["value"], value)
        else:
            assert got["value"] == pytest.approx(value, rel=1e-9, abs=1e-12), (name, got, value)
        deequ_passed = status == "Success"
        assert (got["status"] == "passed") == deequ_passed, (name, got, status)
    # the planted faults are caught
    for name in ("id_unique", "email_ok", "within_limit", "email_complete"):
        assert mine[name]["status"] == "failed", (name, mine[name])
    assert mine["enough_rows"]["status"] == "warning"


@pytest.mark.parametrize("kind", ["csv", "capture"])
def test_each_failed_error_check_is_one_custom_check_violation(runs, kind) -> None:
    mine = _summary(runs[kind])["custom_checks"]
    violations = json.loads((runs[kind] / "constraint_violations.json").read_text())["violations"]
    custom = [v for v in violations if v["constraint_check_type"] == "custom_check"]
    failed = sorted(n for n, c in mine.items() if c["status"] == "failed")
    assert sorted(v["description"].split(":")[0] for v in custom) == failed
    by_name = {v["description"].split(":")[0]: v for v in custom}
    assert by_name["email_ok"]["feature_name"] == "email"
    assert by_name["within_limit"]["feature_name"] == "*"
    value = mine["email_ok"]["value"]
    assert by_name["email_ok"]["description"] == (
        f"email_ok: Value: {value!r} does not meet the constraint requirement! "
        "containsEmail(email) >= 0.99"
    )
    # a warning is reported, not a violation; every check's value is a metric
    assert "enough_rows" not in by_name
    lines = [
        json.loads(line)
        for f in (runs[kind] / "metrics" / "cloudwatch").iterdir()
        for line in f.read_text().splitlines()
    ]
    names = {line["MetricName"] for line in lines}
    assert {f"custom_{n}" for n in mine} <= names
    report = (runs[kind] / "report.html").read_text()
    assert 'id="custom-checks"' in report and "within_limit" in report


def test_a_baseline_run_reports_its_checks_without_violations(runs) -> None:
    base = runs["base"]
    mine = json.loads((base / "monitor-job-summary.json").read_text())["custom_checks"]
    assert mine["id_unique"]["status"] == "passed" and mine["id_unique"]["value"] == 1.0
    assert mine["enough_rows"]["status"] == "warning"  # 3000 rows
    assert not (base / "constraint_violations.json").exists()
    assert 'id="custom-checks"' in (base / "report.html").read_text()


def _jobs(spark, runs: dict[str, Any], tag: str, checks: str | None) -> int:
    root = runs["root"]
    args = []
    if checks is not None:
        (root / f"{tag}.yaml").write_text(checks)
        args = ["--checks", str(root / f"{tag}.yaml")]
    sc = spark.sparkContext
    sc.setJobGroup(f"jobs-{tag}", "count jobs")
    code = main(
        [
            "monitor",
            "--dataset",
            str(root / "csv"),
            "--format",
            "csv",
            "--output",
            str(root / f"jobs-{tag}"),
            "--baseline-statistics",
            str(runs["base"] / "statistics.json"),
            "--baseline-constraints",
            str(runs["base"] / "constraints.json"),
            *args,
        ]
    )
    sc.setJobGroup("", "")
    assert code == EXIT_OK
    return len(sc.statusTracker().getJobIdsForGroup(f"jobs-{tag}"))


def test_spark_jobs_grow_by_one_per_grouped_column_set_only(spark, runs) -> None:
    """Scan-shareable checks ride on the profile's scan (no job of their own), and those
    that are one of its statistics are its statistics; grouping checks add one job per
    column set and filter, however many checks share it."""
    scan_only = "version: 1\nchecks:\n" + "".join(
        f"  - {{name: s{i}, {rule}}}\n"
        for i, rule in enumerate(
            [
                "rule: hasMean, column: amount, where: \"country = 'US'\", assert: ['>', 0]",
                "rule: isNonNegative, column: amount",
                "rule: satisfies, condition: 'amount < credit_limit'",
                "rule: hasMaxLength, column: email, assert: ['<', 99]",
                "rule: containsEmail, column: email",
                "rule: hasApproxCountDistinct, column: id, assert: ['>', 0]",
                "rule: hasMin, column: amount, assert: ['>', 0]",  # the profile's statistic
            ]
        )
    )
    grouping = scan_only + (
        "  - {name: u, rule: isUnique, column: id}\n"
        "  - {name: d, rule: hasDistinctness, columns: [id], assert: ['>', 0]}\n"
        "  - {name: n, rule: hasNumberOfDistinctValues, column: country, assert: ['>', 0]}\n"
        "  - {name: e, rule: hasEntropy, column: country, assert: ['>', 0]}\n"
    )
    none = _jobs(spark, runs, "none", None)
    assert _jobs(spark, runs, "scan", scan_only) == none
    assert _jobs(spark, runs, "grouping", grouping) == none + 2  # {id}, {country}


LAMBDA_CHECKS = """version: 1
checks:
  - name: lambda_sql
    rule: satisfies
    condition: "exists(array(amount, credit_limit), x -> x > 3000)"
    assert: [">", 0]
  - {name: amount_nonneg, rule: isNonNegative, column: amount}
"""


def test_a_check_with_a_lambda_reads_the_typed_frame_and_equals_deequ(spark, runs) -> None:
    """A lambda's variable is spelled as a column: such a scan observes the typed frame as
    it is (the others cast each value where it is read), with Deequ's values."""
    assert _jobs(spark, runs, "lambda", LAMBDA_CHECKS) > 0
    checks = yaml.safe_load(LAMBDA_CHECKS)["checks"]
    oracle = deequ_oracle(spark, runs["window"], checks)
    mine = _summary(runs["root"] / "jobs-lambda")["custom_checks"]
    for c in checks:
        value, status = oracle[c["name"]]
        assert mine[c["name"]]["value"] == pytest.approx(value, rel=1e-9), (c, mine)
        assert (mine[c["name"]]["status"] == "passed") == (status == "Success")


def test_the_profile_reads_its_own_columns_unless_a_lambda_needs_the_typed_ones(spark) -> None:
    """The observed frame the profile scans has only the profile's inputs: the checks' typed
    values are cast inside their aggregations (SQL in any case), except with a lambda."""
    from monitor_job.contract.custom_checks import parse_check_file
    from monitor_job.data_quality.custom import CheckPlan
    from monitor_job.decode import RAW, REASON

    frame = spark.createDataFrame(
        [("1.5", "a", None, None), ("-2", "b", None, None), ("x", "c", "bad", "x,c")],
        f"c0 string, c1 string, {REASON} string, {RAW} string",
    )

    def observed(condition: str) -> list[str]:
        text = f"version: 1\nchecks:\n  - {{name: s, rule: satisfies, condition: '{condition}'}}"
        plan = CheckPlan(spark, parse_check_file(text, "t.yaml"), ("Amount", "name"),
                         {"Amount": "Fractional", "name": "String"})  # fmt: skip
        typed = plan.typed(frame)
        out = plan.observe(typed)
        execution = out._jdf.queryExecution()
        execution.toRdd().count()
        row = execution.observedMetrics().get("monitor_job_custom_checks").get()
        assert [row.get(i) for i in range(row.length())] == [1, 2]  # 1.5 > 0 of 2 good rows
        return list(out.columns)

    assert observed("amount > 0") == ["_mj_c0", "_mj_c1", REASON, RAW]
    assert "Amount" in observed("exists(array(AMOUNT), x -> x > 0)")


def test_a_rollup_answers_the_checks_its_merged_states_can(runs) -> None:
    """A rollup reads no rows: checks that are one of the merged statistics (sizes,
    completeness, moments, min and max, without ``where``) are evaluated; the others are
    named as not evaluated, never guessed."""
    root = runs["root"]
    hourly = root / "hourly"
    for kind in ("csv", "capture"):
        (hourly / kind).mkdir(parents=True)
        for f in runs[kind].iterdir():
            if f.is_file():
                (hourly / kind / f.name).write_bytes(f.read_bytes())
    out = root / "rollup"
    code = main(
        [
            "rollup",
            "--runs",
            str(hourly),
            "--output",
            str(out),
            "--baseline-statistics",
            str(runs["base"] / "statistics.json"),
            "--checks",
            str(runs["checks"]),
        ]
    )
    assert code in (0,)
    mine = _summary(out)["custom_checks"]
    each = [_summary(runs[k])["custom_checks"] for k in ("csv", "capture")]
    assert mine["enough_rows"]["value"] == sum(e["enough_rows"]["value"] for e in each)
    assert mine["enough_rows"]["status"] == "passed"  # 6000 rows >= 4000
    assert mine["amount_max"]["value"] == max(e["amount_max"]["value"] for e in each)
    assert mine["amount_completeness"]["value"] == pytest.approx(
        sum(e["amount_completeness"]["value"] for e in each) / 2
    )
    for name in ("id_unique", "within_limit", "us_amount_mean", "email_ok"):
        assert mine[name]["status"] == "not evaluated", name
        assert "merged states cannot answer" in mine[name]["note"]
    violations = json.loads((out / "constraint_violations.json").read_text())["violations"]
    custom = {
        v["description"].split(":")[0]
        for v in violations
        if v["constraint_check_type"] == "custom_check"
    }
    assert custom == {n for n, c in mine.items() if c["status"] == "failed"}
