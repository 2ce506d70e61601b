"""Config is parsed once, validated before Spark starts, with messages that name the value."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from monitor_job.cli import main
from monitor_job.contract import config_from_mapping, config_from_yaml
from monitor_job.contract.config import parse_timestamp
from monitor_job.contract.formats import parse_dataset_format
from monitor_job.errors import EXIT_CONFIG, ConfigError

BASE = {"dataset_source": "/data", "output_path": "/out"}


@pytest.mark.parametrize(
    ("raw", "kind", "attrs"),
    [
        ({"csv": {"header": True, "output_columns_position": "START"}}, "csv", {"header": True}),
        ('{"csv": {}}', "csv", {"header": False}),
        ({"json": {"lines": False}}, "json", {"json_lines": False}),
        ({"json": {"line": False}}, "json", {"json_lines": False}),
        ({"parquet": {}}, "parquet", {}),
        (
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}},
            "sagemakerCaptureJson",
            {"capture_indices": ("endpointOutput", "endpointInput")},
        ),
        (
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput"]}},
            "sagemakerCaptureJson",
            {"capture_indices": ("endpointInput",)},
        ),
    ],
)
def test_dataset_formats(raw, kind, attrs) -> None:
    fmt = parse_dataset_format(raw)
    assert fmt.kind == kind
    for key, value in attrs.items():
        assert getattr(fmt, key) == value


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (
            {"avro": {}},
            "dataset_format key 'avro' is not supported; valid keys: "
            "sagemakerCaptureJson, sagemakerMergeJson, csv, json, parquet",
        ),
        ('{"csv": ', "dataset_format is not valid JSON"),
        ({"csv": {}, "json": {}}, "exactly one key"),
        ({"csv": {"header": "yes"}}, "dataset_format.csv.header must be true or false"),
        ({"sagemakerCaptureJson": {"captureIndexNames": ["endpointFoo"]}}, "captureIndexNames"),
    ],
)
def test_bad_dataset_format_names_the_value(raw, needle) -> None:
    with pytest.raises(ConfigError, match=None) as err:
        config_from_mapping({**BASE, "dataset_format": raw})
    assert needle in str(err.value)


def test_timestamps_tolerate_docs_spaces_and_reject_garbage() -> None:
    assert parse_timestamp("start_time", "2019-12-01T15: 20: 00Z") == datetime(
        2019, 12, 1, 15, 20, tzinfo=timezone.utc
    )
    with pytest.raises(ConfigError, match="end_time is not an ISO-8601 timestamp: 'yesterday'"):
        config_from_mapping({**BASE, "dataset_format": {"csv": {}}, "end_time": "yesterday"})
    with pytest.raises(ConfigError, match="must be before end_time"):
        config_from_mapping(
            {
                **BASE,
                "dataset_format": {"csv": {}},
                "start_time": "2024-01-02T00:00:00Z",
                "end_time": "2024-01-01T00:00:00Z",
            }
        )


@pytest.mark.parametrize(
    ("scheduled", "start", "end", "window"),
    [
        # SageMaker's documented example: -P8D/-P1D at 2020-01-09T13:00
        ("2020-01-09T13:00:00Z", "-P8D", "-P1D", ("2020-01-01T13:00", "2020-01-08T13:00")),
        # the previous hour, across midnight into a leap day
        ("2024-03-01T00:00:00Z", "-PT1H", "-PT0H", ("2024-02-29T23:00", "2024-03-01T00:00")),
        # a day back across a month end, and a calendar month back from a 31st
        ("2023-03-01T00:00:00Z", "-P1D", "-PT0H", ("2023-02-28T00:00", "2023-03-01T00:00")),
        ("2024-03-31T05:00:00Z", "-P1M", "-P30D", ("2024-02-29T05:00", "2024-03-01T05:00")),
        # a scheduled time in another zone is read as the UTC instant it is
        ("2024-03-01T02:00:00+02:00", "-PT1H", "-PT0H", ("2024-02-29T23:00", "2024-03-01T00:00")),
        # an offset beside a timestamp
        (
            "2024-05-02T10:00:00Z",
            "2024-05-01T00:00:00Z",
            "-PT2H",
            ("2024-05-01T00:00", "2024-05-02T08:00"),
        ),
    ],
)
def test_window_offsets_resolve_from_the_scheduled_time(scheduled, start, end, window) -> None:
    config = config_from_mapping(
        {
            **BASE,
            "dataset_format": {"csv": {}},
            "scheduled_time": scheduled,
            "start_time": start,
            "end_time": end,
        }
    )
    got = tuple(t.strftime("%Y-%m-%dT%H:%M") for t in (config.start_time, config.end_time))
    assert got == window
    assert config.start_time.tzinfo == timezone.utc and config.metric_time == config.end_time
    assert config.scheduled_time == parse_timestamp("scheduled_time", scheduled)


def test_offsets_default_to_the_current_hour_and_bad_ones_are_named() -> None:
    from datetime import timedelta

    before = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    config = config_from_mapping(
        {**BASE, "dataset_format": {"csv": {}}, "start_time": "-PT1H", "end_time": "-PT0H"}
    )
    after = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    assert config.end_time in (before, after)
    assert config.end_time - config.start_time == timedelta(hours=1)
    for bad in ("-PT", "P"):
        with pytest.raises(ConfigError, match="neither an ISO-8601 timestamp nor an offset"):
            config_from_mapping({**BASE, "dataset_format": {"csv": {}}, "start_time": bad})
    with pytest.raises(ConfigError, match="must be before end_time"):
        config_from_mapping(
            {**BASE, "dataset_format": {"csv": {}}, "start_time": "-PT0H", "end_time": "-PT1H"}
        )


def test_an_output_path_per_scheduled_hour() -> None:
    config = config_from_mapping(
        {
            **BASE,
            "dataset_format": {"csv": {}},
            "output_path": "s3://b/monitoring/ep/{yyyy}/{mm}/{dd}/{hh}",
            "scheduled_time": "2024-12-31T23:40:00Z",
            "start_time": "-PT1H40M",
            "end_time": "-PT40M",
        }
    )
    assert config.output_path == "s3://b/monitoring/ep/2024/12/31/23"
    assert config.start_time == datetime(2024, 12, 31, 22, tzinfo=timezone.utc)


def test_missing_keys_and_bad_switches() -> None:
    with pytest.raises(ConfigError, match=r"missing required setting.*dataset_source, output_path"):
        config_from_mapping({"dataset_format": {"csv": {}}})
    with pytest.raises(
        ConfigError, match="publish_cloudwatch_metrics must be Enabled or Disabled; got 'maybe'"
    ):
        config_from_mapping(
            {**BASE, "dataset_format": {"csv": {}}, "publish_cloudwatch_metrics": "maybe"}
        )
    with pytest.raises(
        ConfigError, match="categorical_drift_method must be one of LInfinity, ChiSquared"
    ):
        config_from_mapping(
            {**BASE, "dataset_format": {"csv": {}}, "categorical_drift_method": "KL"}
        )


def test_config_is_frozen_and_monitoring_is_derived() -> None:
    config = config_from_mapping(
        {
            **BASE,
            "dataset_format": {"csv": {}},
            "baseline_constraints": "/b/c.json",
            "my_user_var": "x",
        }
    )
    assert config.is_monitoring
    assert config.extra == {"my_user_var": "x"}
    with pytest.raises(AttributeError):
        config.output_path = "/elsewhere"  # type: ignore[misc]


def test_yaml_config_rejects_unknown_keys(tmp_path) -> None:
    good = tmp_path / "job.yaml"
    good.write_text("dataset_format:\n  csv: {header: true}\ndataset_source: /d\noutput_path: /o\n")
    assert config_from_yaml(str(good)).dataset_format.header is True
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "dataset_format: {csv: {}}\ndataset_source: /d\noutput_path: /o\noutputpath: /x\n"
    )
    with pytest.raises(ConfigError, match="unknown key\\(s\\) outputpath"):
        config_from_yaml(str(bad))


def test_container_mode_config_error_exits_before_spark(tmp_path, monkeypatch, capsys) -> None:
    """No SparkSession exists in this test's path: the error comes from parsing alone."""
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(tmp_path / "none.json"))
    monkeypatch.setenv("dataset_format", json.dumps({"xml": {}}))
    monkeypatch.setenv("dataset_source", str(tmp_path))
    monkeypatch.setenv("output_path", str(tmp_path / "out"))
    monkeypatch.setenv("output_message_file", str(tmp_path / "message"))
    assert main([]) == EXIT_CONFIG
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("ConfigError: dataset_format key 'xml' is not supported; valid keys:")
    assert (tmp_path / "message").read_text() == line
    assert not (tmp_path / "out").exists()
