"""Entrypoint failures: one clear line, a distinct exit code, no partial output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor_job.cli import main
from monitor_job.errors import (
    EXIT_BASELINE,
    EXIT_EMPTY_INPUT,
    EXIT_HANDLER,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_OUTPUT,
)
from tests.datasets import capture_line, mixed_frame, write_csv, write_lines

WHEN = "2024-03-01T10:15:00Z"


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err.strip().splitlines()
    return code, err[-1] if err else ""


def _capture_baseline(capsys, tmp_path, lines: list[str], *extra: str) -> tuple[int, str]:
    """Write capture lines under tmp_path/cap and run a capture baseline into tmp_path/o."""
    write_lines(lines, tmp_path / "cap" / "f.jsonl")
    args = ["baseline", "--dataset", str(tmp_path / "cap"), "--format", "capture"]
    return _run(capsys, *args, *extra, "--output", str(tmp_path / "o"))


def test_missing_dataset_source(spark, tmp_path, capsys) -> None:
    code, line = _run(
        capsys, "baseline", "--dataset", str(tmp_path / "nope"), "--output", str(tmp_path / "o")
    )
    assert code == EXIT_INPUT
    assert (
        line
        == f"InputDataError: dataset_source {tmp_path / 'nope'} does not exist or is not readable"
    )
    assert not (tmp_path / "o").exists()


def test_empty_dataset_directory(spark, tmp_path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code, line = _run(
        capsys, "baseline", "--dataset", str(tmp_path / "empty"), "--output", str(tmp_path / "o")
    )
    assert code == EXIT_EMPTY_INPUT
    empty = tmp_path / "empty"
    assert line == f"NoData: no data: 0 file(s) under {empty} (0 hour prefix(es) read, 0 pruned)"


def test_window_with_no_records_is_a_clear_no_data(spark, tmp_path, capsys) -> None:
    lines = [capture_line("1", "2,3", "CSV", "text/csv", WHEN)]
    write_lines(lines, tmp_path / "cap" / "ep" / "v" / "2024" / "03" / "01" / "10" / "f.jsonl")
    job = tmp_path / "job.yaml"
    job.write_text(
        json.dumps(
            {
                "dataset_format": {
                    "sagemakerCaptureJson": {
                        "captureIndexNames": ["endpointInput", "endpointOutput"]
                    }
                },
                "dataset_source": str(tmp_path / "cap"),
                "output_path": str(tmp_path / "o"),
                "start_time": "2024-03-01T10:30:00Z",
                "end_time": "2024-03-01T11:00:00Z",
            }
        )
    )
    code, line = _run(capsys, "run", "--config", str(job))
    assert code == EXIT_EMPTY_INPUT
    assert (
        "no data in window" in line
        and "1 hour prefix(es) read" in line
        and "skipped 1 record(s)" in line
    )
    assert not (tmp_path / "o").exists()


def test_mostly_bad_records_fail_with_counts(spark, tmp_path, capsys) -> None:
    good = capture_line("1", "2,3", "CSV", "text/csv", WHEN)
    code, line = _capture_baseline(capsys, tmp_path, [good, "{broken", "{broken"])
    assert code == EXIT_INPUT
    assert "2 of 3 records could not be decoded (2 malformed JSON line)" in line
    assert not (tmp_path / "o").exists()


def test_a_json_request_that_does_not_parse_is_a_failed_record(spark, tmp_path, capsys) -> None:
    """A JSON-object payload is read key by key: one that does not parse must fail as a
    record, not count as a row whose every value is missing."""
    good = [
        capture_line(
            "[0.5]", json.dumps({"a": i, "b": f"x{i % 3}"}), "JSON", "application/json", WHEN
        )
        for i in range(19)
    ]
    bad = capture_line("[0.5]", "{not json", "JSON", "application/json", WHEN)
    code, line = _capture_baseline(capsys, tmp_path, [*good, bad])
    assert code == EXIT_OK, line
    summary = json.loads((tmp_path / "o" / "monitor-job-summary.json").read_text())
    assert summary["item_count"] == 19
    assert summary["records"]["failed"] == {"endpointInput payload not decodable (json)": 1}
    stats = json.loads((tmp_path / "o" / "statistics.json").read_text())
    for feature in stats["features"]:
        s = feature.get("numerical_statistics") or feature["string_statistics"]
        assert s["common"]["num_missing"] == 0, feature["name"]


@pytest.mark.parametrize("source", ["raise RuntimeError('at import')\n", "x = 1\n"])
def test_handler_that_cannot_load(spark, tmp_path, capsys, source) -> None:
    script = tmp_path / "h.py"
    script.write_text(source)
    lines = [capture_line("1", "2,3", "CSV", "text/csv", WHEN)]
    code, line = _capture_baseline(capsys, tmp_path, lines, "--preprocessor", str(script))
    assert code == EXIT_HANDLER
    assert line.startswith("HandlerError: ")
    assert str(script) in line
    assert not (tmp_path / "o").exists()


def test_postprocessor_runs_after_outputs_and_its_failure_is_reported(
    spark, tmp_path, capsys
) -> None:
    data = write_csv(mixed_frame(20), tmp_path / "d.csv")
    marker = tmp_path / "seen.txt"
    good = tmp_path / "post.py"
    stats = str(tmp_path / "o" / "statistics.json")
    good.write_text(
        "import os\n"
        "def postprocess_handler():\n"
        f"    open({str(marker)!r}, 'w').write(str(os.path.exists({stats!r})))\n"
    )
    code, _ = _run(
        capsys,
        "baseline",
        "--dataset",
        str(data),
        "--postprocessor",
        str(good),
        "--output",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert marker.read_text() == "True"
    bad = tmp_path / "bad.py"
    bad.write_text("def postprocess_handler():\n    raise KeyError('nope')\n")
    code, line = _run(
        capsys,
        "baseline",
        "--dataset",
        str(data),
        "--postprocessor",
        str(bad),
        "--output",
        str(tmp_path / "o2"),
    )
    assert code == EXIT_HANDLER
    assert line == f"HandlerError: postprocess_handler() in {bad} failed: KeyError: 'nope'"


def _monitor_args(tmp_path, stats: str, constraints: str) -> list[str]:
    write_lines([capture_line("1", "2,3", "CSV", "text/csv", WHEN)], tmp_path / "cap" / "f.jsonl")
    return [
        "monitor",
        "--dataset",
        str(tmp_path / "cap"),
        "--output",
        str(tmp_path / "o"),
        "--baseline-statistics",
        stats,
        "--baseline-constraints",
        constraints,
    ]


@pytest.mark.parametrize(
    ("stats", "constraints", "code", "message"),
    [
        (
            "{}",
            '{"features": []}',
            EXIT_BASELINE,
            "statistics file must be an object with a 'features' list",
        ),
        (
            '{"features": []}',
            '{"features": [{"name": "a", "completeness": "most"}]}',
            EXIT_BASELINE,
            "constraints feature 'a' completeness must be a number; got 'most'",
        ),
        ('{"features": []}', "[1, 2", EXIT_BASELINE, "is not valid JSON (line 1, column 6"),
        (
            '{"features": []}',
            '{"features": [], "monitoring_config": {"evaluate_constraints": "Maybe"}}',
            EXIT_BASELINE,
            "monitoring_config.evaluate_constraints must be Enabled or Disabled",
        ),
    ],
)
def test_bad_baseline_files_fail_before_spark(tmp_path, capsys, stats, constraints, code, message):
    (tmp_path / "s.json").write_text(stats)
    (tmp_path / "c.json").write_text(constraints)
    args = _monitor_args(tmp_path, str(tmp_path / "s.json"), str(tmp_path / "c.json"))
    got, line = _run(capsys, *args)
    assert got == code
    assert line.startswith("BaselineError: ") and message in line, line
    assert not (tmp_path / "o").exists()


def test_csv_row_faults_are_counted_in_the_summary(spark, tmp_path, capsys) -> None:
    rows = ["a,b,c"] + [f"{i},x,{i}" for i in range(40)] + ["1,2", "1,2,3,4", '"q,1",y,2']
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    code, _ = _run(
        capsys, "baseline", "--dataset", str(tmp_path / "d.csv"), "--output", str(tmp_path / "o")
    )
    assert code == 0
    summary = json.loads((tmp_path / "o" / "monitor-job-summary.json").read_text())
    assert summary["records"]["failed"] == {"wrong column count": 2}
    assert [s["record"] for s in summary["records"]["failed_samples"]] == ["1,2", "1,2,3,4"]
    assert summary["item_count"] == 41  # the quoted comma is one field


@pytest.mark.parametrize("which", ["output", "message", "metrics"])
def test_unwritable_local_output_fails_before_spark(tmp_path, capsys, monkeypatch, which) -> None:
    """A local output, message file or metrics directory that cannot be written fails in
    seconds with one line, before Spark starts (a file where a directory must be: root
    ignores permission bits, so that is the unwritable case every user has)."""
    import monitor_job.runtime.spark as runtime_spark

    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the outputs were checked")

    monkeypatch.setattr(runtime_spark, "build_session", no_spark)
    data = write_csv(mixed_frame(20), tmp_path / "d.csv")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = str(blocker / "below")
    out = bad if which == "output" else str(tmp_path / "out")
    env = {
        "dataset_format": json.dumps({"csv": {"header": True}}),
        "dataset_source": str(data),
        "output_path": out,
        "output_message_file": bad + "/message" if which == "message" else "",
        "cloudwatch_metrics_directory": bad if which == "metrics" else str(tmp_path / "m"),
    }
    if which == "metrics":  # the metrics file is written by monitoring runs
        env["baseline_constraints"] = str(tmp_path / "constraints.json")
        (tmp_path / "constraints.json").write_text(json.dumps({"version": 0.0, "features": []}))
    config = tmp_path / "processingjobconfig.json"
    config.write_text(json.dumps({"Environment": {k: v for k, v in env.items() if v}}))
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(config))
    code, line = _run(capsys)
    assert code == EXIT_OUTPUT
    what = {"output": "output_path", "message": "output_message_file"}.get(
        which, "cloudwatch_metrics_directory"
    )
    assert line == f"OutputError: cannot write {what} {bad}: Not a directory"


@pytest.mark.parametrize("switch", ["Enabled", "Disabled"])
def test_failed_record_samples_can_be_turned_off(spark, tmp_path, caplog, switch) -> None:
    """Failed records are raw payloads, perhaps personal data: ``failed_record_samples:
    Disabled`` keeps their counts and drops every copy of them (log, summary, report,
    analyzer states); on by default (issue 35)."""
    secret = "4111-1111-1111-1111"
    good = [capture_line("1", f"{i},{i % 3}", "CSV", "text/csv", WHEN) for i in range(30)]
    bad = '{"captureData": {"endpointInput": {"data": "' + secret
    write_lines([*good, bad], tmp_path / "cap" / "f.jsonl")
    job = tmp_path / "job.yaml"
    job.write_text(
        json.dumps(
            {
                "dataset_format": {"sagemakerCaptureJson": {}},
                "dataset_source": str(tmp_path / "cap"),
                "output_path": str(tmp_path / "o"),
                "failed_record_samples": switch,
            }
        )
    )
    caplog.set_level("INFO")
    assert main(["run", "--config", str(job)]) == EXIT_OK
    summary = json.loads((tmp_path / "o" / "monitor-job-summary.json").read_text())
    assert summary["records"]["failed"] == {"malformed JSON line": 1}
    kept = switch == "Enabled"
    assert bool(summary["records"]["failed_samples"]) is kept
    for name in ("monitor-job-summary.json", "report.html", "analyzer_states.bin"):
        assert (secret.encode() in (tmp_path / "o" / name).read_bytes()) is kept, name
    assert (secret in caplog.text) is kept


def test_the_security_page_example_runs(spark, tmp_path) -> None:
    """docs/SECURITY.md's job config, with its paths pointed at this test's files."""
    import re

    import yaml

    page = (Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md").read_text()
    [block] = re.findall(r"```yaml\n(.*?)```", page, re.S)
    job = yaml.safe_load(block)
    assert job["failed_record_samples"] == "Disabled"
    good = [capture_line("1", f"{i},{i % 3}", "CSV", "text/csv", WHEN) for i in range(20)]
    write_lines([*good, "{broken"], tmp_path / "capture" / "f.jsonl")
    job.update(dataset_source=str(tmp_path / "capture"), output_path=str(tmp_path / "out"))
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job))
    assert main(["run", "--config", str(tmp_path / "job.yaml")]) == EXIT_OK
    summary = json.loads((tmp_path / "out" / "monitor-job-summary.json").read_text())
    assert summary["records"]["failed"] == {"malformed JSON line": 1}
    assert summary["records"]["failed_samples"] == []
