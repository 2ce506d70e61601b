"""Bad custom_checks files: one line naming the fault and what is valid, exit 2, before
Spark starts (no Spark job runs, no output is written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor_job.cli import main
from monitor_job.contract.custom_checks import (
    IS_ONE,
    RULES,
    check_columns,
    parse_check_file,
)
from monitor_job.errors import EXIT_CONFIG, ConfigError
from tests.datasets import mixed_frame, write_csv

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "custom_checks" / "example.yaml"


def one(check: str) -> str:
    return f"version: 1\nchecks:\n  - {check}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (one("{name: a, rule: isUniq, column: id}"), "unknown rule 'isUniq'; valid rules: hasSize"),
        (one("{name: a, rule: hasMean, column: x}"), "hasMean needs an assert"),
        (
            one("{name: a, rule: hasMean, column: x, assert: ['~', 1]}"),
            "assert must be [op, value]",
        ),
        (one("{name: a, rule: hasMean, column: x, assert: ['>', 'big']}"), "finite numbers"),
        (one("{name: a, rule: hasMean, column: x, assert: [between, 5, 1]}"), "the first is the"),
        (one("{name: a, rule: isComplete, column: x, assert: ['>', 0.5]}"), "takes no assert"),
        (one("{name: a, rule: hasPattern, column: x, pattern: '(['}"), "not a regular expression"),
        (
            one("{name: a, rule: hasMean, column: x, colum: y, assert: ['>', 1]}"),
            "takes no 'colum'",
        ),
        (one("{name: a, rule: hasPattern, column: x}"), "hasPattern needs pattern"),
        (one("{name: 'a b', rule: hasSize, assert: ['>', 1]}"), "'name' must be"),
        (one("{name: a, rule: hasSize, level: fatal, assert: ['>', 1]}"), "level must be"),
        (one("{name: a, rule: hasSize, anomaly: {strategy: Magic}}"), "unknown anomaly strategy"),
        (
            one("{name: a, rule: hasSize, anomaly: {strategy: RelativeRateOfChange, max: 2}}"),
            "takes no max",
        ),
        (
            one("{name: a, rule: hasSize, anomaly: {strategy: HoltWinters, seasonality: Daily}}"),
            "HoltWinters needs metricsInterval",
        ),
        ("version: 1\nchecks: [\n", "is not valid YAML (line"),
        ("checks: 3\n", "expected a mapping with a 'checks' list"),
        (
            one("{name: a, rule: hasSize, assert: ['>', 1]}") + "  - {name: a, rule: isComplete}\n",
            "check 2 (a): isComplete needs column",
        ),
        (
            one("{name: a, rule: hasSize, assert: ['>', 1]}")
            + "  - {name: a, rule: hasSize, assert: ['>', 2]}\n",
            "two checks are named 'a'",
        ),
    ],
)
def test_a_bad_check_file_is_one_line_naming_the_fault(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_check_file(text, "checks.yaml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_the_issue_example_parses_with_deequs_defaults() -> None:
    checks = parse_check_file(EXAMPLE.read_text()).checks
    assert [c.rule for c in checks] == [
        "isUnique",
        "containsEmail",
        "satisfies",
        "hasMean",
        "hasSize",
    ]
    assert checks[0].assertion == IS_ONE  # Deequ's isUnique: the value must be 1
    assert checks[2].args == {"columnCondition": "amount <= credit_limit"}
    assert (
        checks[3].where == "country = 'US'"
        and checks[3].assertion.text() == "between 1000 and 100000"
    )
    assert checks[4].level == "warning"
    assert len(RULES) >= 32


def test_exponents_are_numbers_in_yaml_and_json() -> None:
    """JSON's and YAML 1.2's ``1e9`` is a number (PyYAML alone reads YAML 1.1: text)."""
    yaml_text = (
        "version: 1\nchecks:\n"
        "  - {name: a, rule: hasMax, column: x, assert: ['<', 1e9]}\n"
        "  - {name: b, rule: hasMean, column: x, assert: [between, -2.5E-3, +1E+3]}\n"
        "  - {name: c, rule: hasSize, anomaly: {strategy: AbsoluteChange, maxRateIncrease: 5e2}}\n"
    )
    json_text = json.dumps({"checks": [{"name": "a", "rule": "hasMax", "column": "x"}]})
    json_text = json_text.replace('"column": "x"', '"column": "x", "assert": ["<", 1e9]')
    a, b, c = parse_check_file(yaml_text).checks
    assert a.assertion.text() == "< 1000000000"
    assert b.assertion.holds(-0.0025) and b.assertion.holds(1000.0)
    assert not b.assertion.holds(1000.5)
    assert dict(c.anomaly.params)["maxRateIncrease"] == 500.0
    (j,) = parse_check_file(json_text).checks
    assert j.assertion.holds(1e9 - 1) and not j.assertion.holds(1e9)
    assert parse_check_file("version: 1\nchecks: []\n").checks == ()
    assert parse_check_file("{version: 1, checks: [{name: '1e9', rule: hasSize, "
                            "assert: ['>', 0]}]}").checks[0].name == "1e9"  # fmt: skip


def test_columns_are_checked_against_the_baseline_with_their_types() -> None:
    checks = parse_check_file(EXAMPLE.read_text())
    names = ["id", "email", "amount", "credit_limit", "country"]
    types = {"id": "Integral", "email": "String", "amount": "Fractional", "country": "String"}
    check_columns(checks, names, types)
    with pytest.raises(ConfigError, match=r"no column 'email'; the columns: id, amount"):
        check_columns(checks, ["id", "amount"], None)
    with pytest.raises(ConfigError, match="column 'amount' is String; hasMean needs a numeric"):
        check_columns(checks, names, {**types, "amount": "String"})


def test_the_cli_refuses_a_bad_file_before_spark_starts(spark, tmp_path, capsys) -> None:
    frame = mixed_frame(50, seed=3)
    data = write_csv(frame, tmp_path / "d.csv")
    assert main(["baseline", "--dataset", str(data), "--output", str(tmp_path / "b")]) == 0
    bad = tmp_path / "bad.yaml"
    cases = {
        one("{name: a, rule: hasMeen, column: x, assert: ['>', 1]}"): "unknown rule 'hasMeen'",
        one("{name: a, rule: hasMean, column: nowhere, assert: ['>', 1]}"): "no column 'nowhere'",
        "checks: [": "not valid YAML",
    }
    sc = spark.sparkContext
    for text, message in cases.items():
        bad.write_text(text)
        sc.setJobGroup("bad-checks", "no job may run")
        code = main(
            [
                "monitor",
                "--dataset",
                str(data),
                "--format",
                "csv",
                "--header",
                "--output",
                str(tmp_path / "m"),
                "--baseline-statistics",
                str(tmp_path / "b" / "statistics.json"),
                "--checks",
                str(bad),
            ]
        )
        sc.setJobGroup("", "")
        err = capsys.readouterr().err.strip().splitlines()
        assert code == EXIT_CONFIG
        assert message in err[-1] and err[-1].startswith("ConfigError: custom")
        assert not sc.statusTracker().getJobIdsForGroup("bad-checks")
        assert not (tmp_path / "m").exists()
    bad.write_text(one("{name: a, rule: hasMean, column: x, assert: ['>', 1]}"))
    code = main(
        ["baseline", "--dataset", str(data), "--output", str(tmp_path / "b2"), "--checks", str(bad)]
    )
    assert code == EXIT_CONFIG  # a baseline run knows its columns once read: still exit 2


def test_the_check_files_in_the_docs_parse() -> None:
    """Every YAML check file shown in docs/CHECKS.md and the README is one the job reads;
    the docs' first example is the issue's form."""
    import re

    repo = Path(__file__).resolve().parents[2]
    blocks = []
    for page in (repo / "docs" / "CHECKS.md", repo / "README.md"):
        blocks += re.findall(r"(?ms)^```yaml\n(.*?)^```", page.read_text())
    files = [b for b in blocks if "checks:" in b]
    assert len(files) >= 3
    for text in files:
        assert parse_check_file(text).checks
    example = EXAMPLE.read_text().split("\n", 1)[1]  # without the fixture's comment line
    assert files[0] == example


def test_sql_that_spark_refuses_names_its_check(spark, tmp_path, capsys) -> None:
    data = write_csv(mixed_frame(50, seed=3), tmp_path / "d.csv")
    assert main(["baseline", "--dataset", str(data), "--output", str(tmp_path / "b")]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "checks:\n  - {name: fine, rule: hasSize, assert: ['>', 0]}\n"
        "  - {name: typo, rule: satisfies, condition: 'nowhere > 1'}\n"
    )
    args = ["--output", str(tmp_path / "m"), "--baseline-statistics"]
    code = main(["monitor", "--dataset", str(data), "--format", "csv", "--header", *args,
                 str(tmp_path / "b" / "statistics.json"), "--checks", str(bad)])  # fmt: skip
    assert code == EXIT_CONFIG
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("ConfigError: custom check typo (satisfies): ") and "nowhere" in line


def test_a_check_file_is_read_from_s3_and_bounded(bucket, tmp_path) -> None:
    import boto3

    from monitor_job.data_quality.custom import load_check_file

    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="checks.yaml", Body=EXAMPLE.read_bytes())
    assert len(load_check_file(f"s3://{bucket}/checks.yaml").checks) == 5
    s3.put_object(Bucket=bucket, Key="big.yaml", Body=b"#" * 1_000_001)
    with pytest.raises(ConfigError, match="larger than 1000000 bytes"):
        load_check_file(f"s3://{bucket}/big.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        load_check_file(str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"NoSuchKey|not found|does not exist"):
        load_check_file(f"s3://{bucket}/missing.yaml")
