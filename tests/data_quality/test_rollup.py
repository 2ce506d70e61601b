"""Rollups: a span of finished hourly runs merged (no records read) equals one monitoring
run over the same hours; what cannot be merged is named, never skipped in silence."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_EMPTY_INPUT, EXIT_OK
from tests.data_quality.test_job_monitoring import drifted_window, population
from tests.datasets import json_capture_lines, write_lines

DAY = datetime(2024, 3, 1, tzinfo=timezone.utc)
DRIFTED_HOURS = (9, 10)  # drifted traffic in these hours of the day


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def stamped(frame: pd.DataFrame, hour: datetime, rng: np.random.Generator) -> list[str]:
    """Capture lines stamped inside ``hour``."""
    out = []
    for line in json_capture_lines(frame):
        record = json.loads(line)
        when = hour + timedelta(seconds=int(rng.integers(0, 3600)))
        record["eventMetadata"]["inferenceTime"] = iso(when)
        out.append(json.dumps(record))
    return out


def monitor(*args: str) -> int:
    return main(["monitor", "--format", "capture", *args])


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, spark: object) -> dict[str, Path]:
    """A baseline; 24 hours of captures (two of them drifted); 24 hourly runs scheduled
    like a cron job (offsets from the scheduled time, output path per hour); one direct
    run over the whole day."""
    tmp = tmp_path_factory.mktemp("rollup-day")
    rng = np.random.default_rng(24)
    write_lines(json_capture_lines(population(2000, rng)), tmp / "train" / "capture.jsonl")
    train = ["--dataset", str(tmp / "train"), "--format", "capture"]
    assert main(["baseline", *train, "--output", str(tmp / "baseline")]) == EXIT_OK
    baseline = [
        "--baseline-statistics", str(tmp / "baseline" / "statistics.json"),
        "--baseline-constraints", str(tmp / "baseline" / "constraints.json"),
    ]  # fmt: skip
    capture = tmp / "capture"
    for h in range(24):
        hour = DAY + timedelta(hours=h)
        rows = int(rng.integers(80, 160))
        frame = drifted_window(rows, rng) if h in DRIFTED_HOURS else population(rows, rng)
        folder = capture / "ep" / "AllTraffic" / hour.strftime("%Y/%m/%d/%H")
        write_lines(stamped(frame, hour, rng), folder / "part-0.jsonl")
    runs = tmp / "runs"
    for h in range(24):
        scheduled = DAY + timedelta(hours=h + 1)
        assert (
            monitor("--dataset", str(capture), "--output", str(runs / "{yyyy}/{mm}/{dd}/{hh}"),
                    "--start=-PT1H", "--end=-PT0H", "--scheduled-time", iso(scheduled),
                    *baseline)
            == EXIT_OK
        ), h  # fmt: skip
    assert (
        monitor("--dataset", str(capture), "--output", str(tmp / "direct"),
                "--start", iso(DAY), "--end", iso(DAY + timedelta(days=1)), *baseline)
        == EXIT_OK
    )  # fmt: skip
    return {"tmp": tmp, "runs": runs, "direct": tmp / "direct", "baseline": tmp / "baseline"}


def rollup(runs: Path, out: Path, baseline: Path, *args: str) -> int:
    """``monitor-job rollup`` with the baseline files that are in ``baseline``."""
    files = []
    for option, name in (("statistics", "statistics.json"), ("constraints", "constraints.json")):
        if (baseline / name).is_file():
            files += [f"--baseline-{option}", str(baseline / name)]
    return main(["rollup", "--runs", str(runs), "--output", str(out), *files, *args])


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def assert_statistics_equal(rolled: dict[str, Any], direct: dict[str, Any]) -> None:
    """Counts exactly; moments, min and max to 1e-9 relative; the KLL buckets' counts sum
    to the values present (within the sketch's rounding); distinct counts and buckets
    equal (exact value counts under the cap)."""
    assert rolled["dataset"] == direct["dataset"]
    assert [f["name"] for f in rolled["features"]] == [f["name"] for f in direct["features"]]
    for r, d in zip(rolled["features"], direct["features"], strict=True):
        assert r["inferred_type"] == d["inferred_type"], r["name"]
        if "numerical_statistics" in d:
            rn, dn = r["numerical_statistics"], d["numerical_statistics"]
            assert rn["common"] == dn["common"], r["name"]
            for key in ("mean", "sum", "std_dev", "min", "max"):
                assert close(rn[key], dn[key]), (r["name"], key, rn[key], dn[key])
            # A sketch's weight is its values' count up to its compactions' rounding.
            counts = sum(b["count"] for b in rn["distribution"]["kll"]["buckets"])
            assert abs(counts - dn["common"]["num_present"]) <= 0.01 * counts, r["name"]
        else:
            rs, ds = r["string_statistics"], d["string_statistics"]
            assert rs == ds, r["name"]


def drift_of(summary: dict[str, Any]) -> dict[str, float]:
    return {name: d["distance"] for name, d in summary["drift"].items()}


def violations_of(folder: Path) -> set[tuple[str, str]]:
    found = read(folder / "constraint_violations.json")["violations"]
    return {(v["feature_name"], v["constraint_check_type"]) for v in found}


def test_a_day_of_hourly_runs_equals_one_run_over_the_day(day, tmp_path) -> None:
    out = tmp_path / "rollup"
    span = ("--from", iso(DAY), "--to", iso(DAY + timedelta(days=1)))
    assert rollup(day["runs"], out, day["baseline"], *span) == EXIT_OK
    direct = day["direct"]
    assert_statistics_equal(read(out / "statistics.json"), read(direct / "statistics.json"))
    assert violations_of(out) == violations_of(direct)
    assert violations_of(direct)  # the drifted hours show in the day
    summary, want = (
        read(out / "monitor-job-summary.json"),
        read(direct / "monitor-job-summary.json"),
    )
    rolled, direct_drift = drift_of(summary), drift_of(want)
    assert rolled.keys() == direct_drift.keys()
    for name, distance in direct_drift.items():
        assert abs(rolled[name] - distance) <= 0.01, (name, rolled[name], distance)
    assert summary["type_counts"] == want["type_counts"]
    assert summary["window"] == {
        "start": "2024-03-01T00:00:00+00:00",
        "end": "2024-03-02T00:00:00+00:00",
    }
    assert len(summary["rollup"]["runs"]) == 24
    assert summary["rollup"]["missing_hours"] == summary["rollup"]["left_out"] == []
    assert (out / "report.html").is_file()
    # The constraints the rollup checked are beside it, as in a monitoring run.
    assert read(out / "constraints.json") == read(day["baseline"] / "constraints.json")


def garbage(_state: bytes) -> bytes:
    return b"\x00\x05hello"


def cut_body(state: bytes) -> bytes:
    """An interrupted copy: the header whole, the body cut short."""
    return state[: len(state) * 2 // 3]


def flipped_bit(state: bytes) -> bytes:
    damaged = bytearray(state)
    damaged[len(state) // 2] ^= 0x10
    return bytes(damaged)


STATE_READER = "cannot read its states: state file: "
DIGEST = "its analyzer_states.bin is not the one its summary lists (SHA-256 differs)"


@pytest.mark.parametrize(
    ("damage", "listed", "reason"),
    [
        # a summary listing the run's files: the digest tells first
        (flipped_bit, True, DIGEST),
        # a summary that lists none (written before it did): the state reader tells
        (garbage, False, STATE_READER + "not a monitor-job state file"),
        (cut_body, False, STATE_READER + "the file is damaged: its body is"),
        (flipped_bit, False, STATE_READER + "the file is damaged: its checksum does not match"),
    ],
)
def test_missing_and_unreadable_hours_are_named(day, tmp_path, damage, listed, reason) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(day["runs"], runs)
    shutil.rmtree(runs / "2024/03/01/06")  # the run of 05:00-06:00 never happened
    states = runs / "2024/03/01/13/analyzer_states.bin"
    states.write_bytes(damage(states.read_bytes()))
    summary_file = runs / "2024/03/01/13/monitor-job-summary.json"
    hourly = read(summary_file)
    assert "analyzer_states.bin" in hourly["files"]
    if not listed:
        del hourly["files"]
        summary_file.write_text(json.dumps(hourly))
    out = tmp_path / "rollup"
    assert rollup(runs, out, day["baseline"]) == EXIT_OK  # no span: the runs' own
    summary = read(out / "monitor-job-summary.json")
    part = summary["rollup"]
    # The hour with no run, and the hour whose run could not be read.
    assert part["missing_hours"] == ["2024-03-01T05:00:00Z", "2024-03-01T12:00:00Z"]
    assert [w["location"] for w in part["left_out"]] == [str(runs / "2024/03/01/13")]
    assert part["left_out"][0]["reason"].startswith(reason)
    assert len(part["runs"]) == 22
    notes = " | ".join(summary["notes"])
    assert "2 hour(s) of the span have no run merged: 2024-03-01T05:00:00Z, 2024-03-01T12" in notes
    assert f"run left out: {runs / '2024/03/01/13'}" in notes
    page = (out / "report.html").read_text()
    assert "2024-03-01T05:00:00Z" in page and "run left out" in page
    direct_items = read(day["direct"] / "statistics.json")["dataset"]["item_count"]
    lost = sum(
        read(day["runs"] / f"2024/03/01/{h}/statistics.json")["dataset"]["item_count"]
        for h in ("06", "13")
    )
    assert read(out / "statistics.json")["dataset"]["item_count"] == direct_items - lost


def test_a_span_with_no_runs_is_empty(day, tmp_path) -> None:
    span = ("--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z")
    assert rollup(day["runs"], tmp_path / "out", day["baseline"], *span) == EXIT_EMPTY_INPUT
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def write_run(folder: Path, statistics: dict[str, Any], **files: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "statistics.json").write_text(json.dumps(statistics))
    (folder / "constraint_violations.json").write_text(json.dumps({"violations": []}))
    for name, content in files.items():
        path = folder / name.replace("_json", ".json").replace("_bin", ".bin")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(json.dumps(content))


def test_a_week_of_hourly_states_equals_the_week(day, spark, tmp_path) -> None:
    """7 x 24 hourly states, each the job's aggregate over one hour (all made by one
    grouped Spark job, the way 168 runs would each make theirs), merged by the rollup
    command; against the profile and checks of the whole week in one scan."""
    from pyspark.sql import Column

    from monitor_job.data_quality import analysis
    from monitor_job.data_quality.baseline import Baseline, profile_hints
    from monitor_job.data_quality.checks import evaluate
    from monitor_job.data_quality.documents import (
        parse_constraints,
        profile_from_statistics,
        statistics_document,
    )
    from monitor_job.decode import RAW, REASON
    from tests.datasets import cell

    base_stats = read(day["baseline"] / "statistics.json")
    baseline = Baseline(
        profile_from_statistics(base_stats),
        parse_constraints(read(day["baseline"] / "constraints.json")),
    )
    names = tuple(f["name"] for f in base_stats["features"])
    rng = np.random.default_rng(7)
    rows = []
    for h in range(7 * 24):
        n = int(rng.integers(40, 90))
        frame = drifted_window(n, rng) if h % 24 in DRIFTED_HOURS else population(n, rng)
        rows += [
            (h, *(cell(row[c]) or None for c in names), None, None) for _, row in frame.iterrows()
        ]
    schema = ", ".join(["hour int", *(f"c{i} string" for i in range(len(names)))])
    data = spark.createDataFrame(rows, f"{schema}, {REASON} string, {RAW} string")
    hints = profile_hints(baseline, names)
    aggregate = Column(
        spark.sparkContext._jvm.monitorjob.aggregates.ProfileAggregator.of(
            analysis._spec(spark, names, hints)
        )
    )
    runs = tmp_path / "runs"
    for hour, state in data.groupBy("hour").agg(aggregate.alias("state")).collect():
        start = DAY + timedelta(hours=hour)
        one = analysis.merge_states(spark, [bytes(state)], names, hints)
        summary = {
            "job": "monitoring",
            "window": {"start": iso(start), "end": iso(start + timedelta(hours=1))},
        }
        write_run(
            runs / f"h{hour:03d}",
            statistics_document(one),
            analyzer_states_bin=bytes(state),
            **{"monitor-job-summary_json": summary},
        )
    whole = analysis.profile(spark, data.drop("hour"), names, hints)
    evaluation = evaluate(baseline.constraints, baseline.statistics, whole)

    out = tmp_path / "rollup"
    span = ("--from", iso(DAY), "--to", iso(DAY + timedelta(days=7)))
    assert rollup(runs, out, day["baseline"], *span) == EXIT_OK
    assert_statistics_equal(read(out / "statistics.json"), statistics_document(whole))
    assert violations_of(out) == {
        (v.feature_name, v.constraint_check_type) for v in evaluation.violations
    }
    summary = read(out / "monitor-job-summary.json")
    assert len(summary["rollup"]["runs"]) == 168 and summary["rollup"]["missing_hours"] == []
    for name, drift in evaluation.drifts.items():
        assert abs(summary["drift"][name]["distance"] - drift.distance.value) <= 0.01, name


def sagemaker_shaped(runs: Path, into: Path) -> None:
    """Our hourly runs as SageMaker's container leaves them: statistics, violations and
    constraints, in .../yyyy/mm/dd/hh; no state file, no summary."""
    for stats in runs.rglob("statistics.json"):
        target = into / stats.parent.relative_to(runs)
        target.mkdir(parents=True)
        for name in ("statistics.json", "constraint_violations.json", "constraints.json"):
            shutil.copy(stats.parent / name, target / name)


def test_runs_without_states_merge_from_their_statistics(day, tmp_path) -> None:
    runs = tmp_path / "sagemaker" / "ep" / "sched"
    sagemaker_shaped(day["runs"], runs)
    out = tmp_path / "rollup"
    span = ("--from", iso(DAY), "--to", iso(DAY + timedelta(days=1)))
    assert rollup(tmp_path / "sagemaker", out, day["baseline"], *span) == EXIT_OK
    rolled, direct = read(out / "statistics.json"), read(day["direct"] / "statistics.json")
    assert rolled["dataset"] == direct["dataset"]
    for r, d in zip(rolled["features"], direct["features"], strict=True):
        if "numerical_statistics" in d:
            rn, dn = r["numerical_statistics"], d["numerical_statistics"]
            assert rn["common"] == dn["common"], r["name"]
            for key in ("mean", "sum", "std_dev", "min", "max"):
                assert close(rn[key], dn[key]), (r["name"], key, rn[key], dn[key])
        else:  # every value's count is in each hour's buckets: they merge exactly
            assert r["string_statistics"] == d["string_statistics"], r["name"]
    summary = read(out / "monitor-job-summary.json")
    want = read(day["direct"] / "monitor-job-summary.json")
    for name, drift in want["drift"].items():
        assert abs(summary["drift"][name]["distance"] - drift["distance"]) <= 0.01, name
    assert len(summary["rollup"]["merged_from_statistics_only"]) == 24
    assert any("24 run(s) without analyzer states" in n for n in summary["notes"])
    # What a statistics file cannot tell: the non-numbers among a numeric feature's values
    # (strnum's "n/a" in the drifted hours) count as missing, not as another type.
    assert violations_of(out) - violations_of(day["direct"]) <= {("strnum", "completeness_check")}
    assert violations_of(day["direct"]) - violations_of(out) <= {("strnum", "data_type_check")}


REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"


def test_sagemaker_reference_statistics_merge_and_say_what_they_cannot(tmp_path) -> None:
    """The closed container's files (tests/fixtures/sagemaker): three hours of the
    intro notebook's statistics; and the SDK's statistics, whose one String feature lists
    all of its values in one hour and only a top value in the other."""
    intro = read(REFERENCE / "intro-2022_statistics_DERIVED_first29features.json")
    root = tmp_path / "reports" / "ep" / "sched" / "2022" / "04" / "18"
    for hour in ("01", "02", "03"):
        write_run(root / hour, intro)
    base = tmp_path / "baseline"
    base.mkdir()
    (base / "statistics.json").write_text(json.dumps(intro))
    shutil.copy(REFERENCE / "intro-2022_constraints_FROM_LOG.json", base / "constraints.json")
    out = tmp_path / "rollup"
    assert rollup(tmp_path / "reports", out, base) == EXIT_OK
    rolled = read(out / "statistics.json")
    assert rolled["dataset"]["item_count"] == 3 * intro["dataset"]["item_count"]
    for r, d in zip(rolled["features"], intro["features"], strict=True):
        rn, dn = r["numerical_statistics"], d["numerical_statistics"]
        assert rn["common"]["num_present"] == 3 * dn["common"]["num_present"]
        assert close(rn["sum"], 3 * dn["sum"]) and close(rn["mean"], dn["mean"])
        assert close(rn["std_dev"], dn["std_dev"], 1e-9), r["name"]
        assert (rn["min"], rn["max"]) == (dn["min"], dn["max"])
        counts = [b["count"] for b in rn["distribution"]["kll"]["buckets"]]
        want = [3 * b["count"] for b in dn["distribution"]["kll"]["buckets"]]
        assert sum(counts) == sum(want), r["name"]
        assert np.abs(np.subtract(counts, want)).sum() <= 0.01 * sum(want), r["name"]
    summary = read(out / "monitor-job-summary.json")
    assert summary["rollup"]["missing_hours"] == []
    assert [r["start"] for r in summary["rollup"]["runs"]] == [
        "2022-04-18T00:00:00Z", "2022-04-18T01:00:00Z", "2022-04-18T02:00:00Z"
    ]  # fmt: skip

    sdk = read(REFERENCE / "sdk_statistics.json")
    cut = json.loads(json.dumps(sdk))
    cut["features"][0]["string_statistics"]["distribution"]["categorical"]["buckets"][0][
        "count"
    ] = 400
    sdk_root = tmp_path / "sdk"
    write_run(sdk_root / "2020/01/01/01", sdk)
    write_run(sdk_root / "2020/01/01/02", cut)
    (base / "statistics.json").write_text(json.dumps(sdk))
    (base / "constraints.json").unlink()  # constraints suggested from the statistics
    out = tmp_path / "rollup-sdk"
    assert rollup(sdk_root, out, base) == EXIT_OK
    message = read(out / "statistics.json")["features"][0]["string_statistics"]
    assert message["common"] == {"num_present": 836, "num_missing": 0}
    assert "distribution" not in message  # the buckets are not merged: not invented
    notes = read(out / "monitor-job-summary.json")["notes"]
    assert any(n.startswith("message: distinct_count is a lower bound") for n in notes), notes


def test_a_rollup_reads_and_writes_s3(day, aws) -> None:
    """Hourly runs under an S3 prefix (with a baseline beside them that is not a run), the
    rollup written to S3: the same statistics as the direct run."""
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="rollups")
    for path in day["runs"].rglob("*"):
        if path.is_file():
            key = f"monitoring/{path.relative_to(day['runs'])}"
            s3.put_object(Bucket="rollups", Key=key, Body=path.read_bytes())
    for name in ("statistics.json", "constraints.json", "analyzer_states.bin"):
        body = (day["baseline"] / name).read_bytes()
        s3.put_object(Bucket="rollups", Key=f"monitoring/baseline/{name}", Body=body)
    span = ("--from=-P1D", "--to=-PT0H", "--scheduled-time", iso(DAY + timedelta(days=1)))
    out = "s3://rollups/daily/{yyyy}/{mm}/{dd}"
    code = main(
        ["rollup", "--runs", "s3://rollups/monitoring/", "--output", out, *span,
         "--baseline-statistics", "s3://rollups/monitoring/baseline/statistics.json",
         "--baseline-constraints", "s3://rollups/monitoring/baseline/constraints.json"]
    )  # fmt: skip
    assert code == EXIT_OK
    key = "daily/2024/03/02/statistics.json"
    rolled = json.loads(s3.get_object(Bucket="rollups", Key=key)["Body"].read())
    assert_statistics_equal(rolled, read(day["direct"] / "statistics.json"))
    summary = s3.get_object(Bucket="rollups", Key="daily/2024/03/02/monitor-job-summary.json")
    assert len(json.loads(summary["Body"].read())["rollup"]["runs"]) == 24


def test_the_contract_form_and_the_sdk_reads_the_outputs(day, aws, tmp_path, monkeypatch) -> None:
    """Container mode (environment variables, as a Processing job gets them): a day rolled
    up by offsets from scheduled_time; the SageMaker SDK loads what it wrote."""
    import boto3
    from sagemaker.model_monitor import ConstraintViolations, Statistics
    from sagemaker.session import Session

    from tests.data_quality.test_job_monitoring import container_env

    out = tmp_path / "daily"
    container_env(
        monkeypatch,
        tmp_path,
        dataset_format=json.dumps({"monitoringRuns": {}}),
        dataset_source=str(day["runs"]),
        output_path=str(out / "{yyyy}" / "{mm}" / "{dd}"),
        baseline_statistics=str(day["baseline"] / "statistics.json"),
        baseline_constraints=str(day["baseline"] / "constraints.json"),
        scheduled_time="2024-03-02T00:45:00Z",
        start_time="-P1DT45M",
        end_time="-PT45M",
    )
    assert main([]) == EXIT_OK
    assert (tmp_path / "message").read_text().startswith("CompletedWithViolations")
    folder = out / "2024" / "03" / "02"
    session = Session(boto_session=boto3.Session(region_name="us-east-1"), default_bucket="sdk")
    stats = Statistics.from_file_path(str(folder / "statistics.json"), sagemaker_session=session)
    want = read(day["direct"] / "statistics.json")["dataset"]["item_count"]
    assert stats.body_dict["dataset"]["item_count"] == want
    violations = ConstraintViolations.from_file_path(
        str(folder / "constraint_violations.json"), sagemaker_session=session
    )
    found = {
        (v["feature_name"], v["constraint_check_type"]) for v in violations.body_dict["violations"]
    }
    assert found == violations_of(day["direct"])
    assert len(read(folder / "monitor-job-summary.json")["rollup"]["runs"]) == 24


def test_a_rollup_refuses_what_it_cannot_do(tmp_path) -> None:
    """One line and exit 2 before anything is read: no baseline; another monitor type."""
    from monitor_job.errors import EXIT_CONFIG

    assert main(["rollup", "--runs", str(tmp_path), "--output", str(tmp_path / "o")]) == EXIT_CONFIG
    from monitor_job.contract import config_from_mapping
    from monitor_job.errors import ConfigError

    with pytest.raises(ConfigError, match="for data quality"):
        config_from_mapping(
            {"dataset_format": {"monitoringRuns": {}}, "dataset_source": "r", "output_path": "o",
             "analysis_type": "MODEL_QUALITY", "baseline_constraints": "c.json",
             "problem_type": "Regression", "inference_attribute": "0",
             "ground_truth_attribute": "label"}
        )  # fmt: skip
    with pytest.raises(ConfigError, match="checks them against a baseline"):
        config_from_mapping(
            {"dataset_format": {"monitoringRuns": {}}, "dataset_source": "r", "output_path": "o"}
        )


def test_runs_far_from_the_span_are_not_read_and_a_bad_summary_is_left_out(
    tmp_path, monkeypatch
) -> None:
    """Issue 36 (rollups prune by the hour in the path before reading anything) and 35 (a
    summary is untrusted: one that cannot be read leaves its run out, not the rollup)."""
    from monitor_job.data_quality import runs as runs_module

    intro = read(REFERENCE / "intro-2022_statistics_DERIVED_first29features.json")
    root = tmp_path / "reports" / "ep" / "sched"
    for day, hour in [("18", "01"), ("18", "02"), ("18", "03"), ("18", "04")]:
        write_run(root / "2022" / "04" / day / hour, intro, **{"monitor-job-summary_json": {}})
    (root / "2022/04/18/04/monitor-job-summary.json").write_text("{not json")  # in the span
    for far in ("2022/03/01/01", "2022/05/30/23", "2021/04/18/02"):
        write_run(root / far, intro, **{"monitor-job-summary_json": {}})
    base = tmp_path / "baseline"
    base.mkdir()
    (base / "statistics.json").write_text(json.dumps(intro))
    shutil.copy(REFERENCE / "intro-2022_constraints_FROM_LOG.json", base / "constraints.json")
    real, read_summaries = runs_module._read_summary, []

    def counted(uri: str):
        read_summaries.append(uri)
        return real(uri)

    monkeypatch.setattr(runs_module, "_read_summary", counted)
    out = tmp_path / "rollup"
    span = ("--from", "2022-04-18T00:00:00Z", "--to", "2022-04-18T04:00:00Z")
    assert rollup(tmp_path / "reports", out, base, *span) == EXIT_OK
    assert sorted(Path(u).parent.name for u in read_summaries) == ["01", "02", "03", "04"]
    part = read(out / "monitor-job-summary.json")["rollup"]
    assert [r["start"] for r in part["runs"]] == [
        "2022-04-18T00:00:00Z", "2022-04-18T01:00:00Z", "2022-04-18T02:00:00Z"
    ]  # fmt: skip
    [(where, why)] = [(w["location"], w["reason"]) for w in part["left_out"]]
    assert where == str(root / "2022/04/18/04")
    assert why.startswith("its summary cannot be read: summary ") and "is not valid JSON" in why


def test_the_history_page_reads_only_whole_sets(tmp_path) -> None:
    """Issue 35: a reader of our runs sees a whole set or none of it. The history page
    leaves out a run whose statistics are not the ones its summary lists (a mix of two
    runs) and one with our states but no summary (unfinished); SageMaker's runs (no
    summary, no states) and whole sets of ours are shown."""
    import hashlib

    from monitor_job.data_quality.history import read_history

    intro = read(REFERENCE / "intro-2022_statistics_DERIVED_first29features.json")
    root = tmp_path / "runs"

    def digest(path: Path) -> dict[str, Any]:
        data = path.read_bytes()
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    for hour in ("01", "02", "03", "04"):
        write_run(root / "2022/04/18" / hour, intro)
    whole, mixed = root / "2022/04/18/01", root / "2022/04/18/02"
    for folder in (whole, mixed):
        files = {n: digest(folder / n) for n in ("statistics.json", "constraint_violations.json")}
        (folder / "monitor-job-summary.json").write_text(json.dumps({"files": files}))
    (mixed / "statistics.json").write_text(json.dumps({**intro, "version": 1.0}))  # another run's
    (root / "2022/04/18/03/analyzer_states.bin").write_bytes(b"\x00")  # ours, no summary
    runs, notes = read_history(str(root))
    assert sorted(r.location for r in runs) == [str(whole), str(root / "2022/04/18/04")]
    assert notes == [
        f"left out {mixed / 'statistics.json'}: its statistics.json is not the one its summary "
        "lists (SHA-256 differs): a mix of runs",
        f"left out {root / '2022/04/18/03/statistics.json'}: unfinished (analyzer_states.bin "
        "without monitor-job-summary.json)",
    ]
