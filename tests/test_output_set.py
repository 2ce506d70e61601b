"""A run's outputs are one set (issue 35): a failure injected at each step of the
write / rename / upload / publish sequence of a run's end (the real ``finish_run`` and
``OutputArea``, locally and on a moto server), over a place that holds an earlier run: a
reader sees the earlier complete set, the new complete set, or no set, never a mix; and
PutMetricData runs only once the new set is stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from monitor_job.contract import config_from_mapping
from monitor_job.errors import MetricsPublishError, OutputError
from monitor_job.io import s3
from monitor_job.outputs import cloudwatch, finish, writer
from monitor_job.outputs.area import OutputArea, output_area
from monitor_job.outputs.cloudwatch import emit, target_for
from monitor_job.outputs.summary import SUMMARY_FILE, Outcome, RecordCounts
from monitor_job.report.documents import RunDocuments

BUCKET = "mj-output-set"


class Injected(OSError):
    pass


class Faults:
    """Counts the steps of a run's end and fails the ``fail_at``-th (None: none fails)."""

    def __init__(self, tag: str, fail_at: int | None = None) -> None:
        self.tag = tag  # the run whose end this is
        self.fail_at = fail_at
        self.steps: list[str] = []

    def step(self, what: str) -> None:
        self.steps.append(what)
        if self.fail_at is not None and len(self.steps) - 1 == self.fail_at:
            raise Injected(f"injected failure at step {self.fail_at}: {what}")


def local_reader(directory: Path) -> dict[str, bytes] | None:
    """What a reader of our runs sees: the set the summary lists, each file's size and
    SHA-256 verified; None when there is no summary. A mismatch is a mix: it fails."""
    summary = directory / SUMMARY_FILE
    if not summary.exists():
        return None
    listed = json.loads(summary.read_text())["files"]
    found = {name: (directory / name).read_bytes() for name in listed}
    assert_matches(listed, found)
    return found


def s3_reader(prefix: str) -> dict[str, bytes] | None:
    client = boto3.client("s3")
    try:
        body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{SUMMARY_FILE}")["Body"].read()
    except client.exceptions.NoSuchKey:
        return None
    listed = json.loads(body)["files"]
    found = {
        name: client.get_object(Bucket=BUCKET, Key=f"{prefix}/{name}")["Body"].read()
        for name in listed
    }
    assert_matches(listed, found)
    return found


def assert_matches(listed: dict[str, Any], found: dict[str, bytes]) -> None:
    for name, data in found.items():
        assert listed[name] == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}, (
            f"a mix of two runs: {name} is not the file the summary lists"
        )


def test_the_reader_catches_a_mix(tmp_path) -> None:
    (tmp_path / "statistics.json").write_text("new")
    entry = {"bytes": 3, "sha256": hashlib.sha256(b"old").hexdigest()}
    (tmp_path / SUMMARY_FILE).write_text(json.dumps({"files": {"statistics.json": entry}}))
    with pytest.raises(AssertionError, match="a mix of two runs"):
        local_reader(tmp_path)


def one_run(area: OutputArea, tag: str) -> None:
    """A monitoring run's end as the jobs do it: its documents (the states first), its
    metrics file, then ``finish_run`` (report, summary, publication, metrics)."""
    config = config_from_mapping(
        {
            "dataset_source": "/nowhere",
            "dataset_format": json.dumps({"csv": {"header": True}}),
            "output_path": area.uri,
            "cloudwatch_metrics_directory": f"{area.uri}/metrics",
            "publish_cloudwatch_metrics": "Enabled",
        }
    )
    files = area.write({"analyzer_states.bin": tag.encode() * 50})
    files += area.write_json({"statistics.json": {"run": tag}, "constraints.json": {"t": tag}})
    files += area.write_json({"constraint_violations.json": {"violations": [], "run": tag}})
    target = target_for(config, "mj/test", "mj/test")
    lines = [cloudwatch.metric_line(target, f"m_{tag}", Value=1.0)]
    metrics = emit(config, target, lines, area.local_for(config.cloudwatch_metrics_directory))
    files += metrics.files
    outcome = Outcome(
        "monitoring",
        0,
        tuple(area.final(f) for f in files),
        RecordCounts(1),
        extra={"cloudwatch": metrics.summary},
    )
    finish.finish_run(area, config, outcome, RunDocuments({"run": tag}), metrics=metrics)


@contextmanager
def injected(faults: Faults, read: Callable[[], Any]) -> Iterator[None]:
    real_replace = writer.os.replace
    real_guarded = s3.guarded
    real_publish = cloudwatch.publish

    def replace(src: str, dst: str) -> None:
        faults.step(f"rename {Path(dst).name}")
        real_replace(src, dst)

    def guarded(what: str, error: type, call: Any, *args: Any, **kwargs: Any) -> Any:
        if what.startswith("cannot write output"):
            try:
                faults.step(f"{call.__name__} {what.split()[-1]}")
            except Injected as err:
                raise OutputError(str(err)) from err
        return real_guarded(what, error, call, *args, **kwargs)

    def publish(target: Any, lines: Any) -> Any:
        seen = read()  # metrics only for a stored run: its set is there, whole
        assert seen is not None and json.loads(seen["statistics.json"])["run"] == faults.tag
        try:
            faults.step("PutMetricData")
        except Injected as err:
            raise MetricsPublishError(str(err)) from err
        return real_publish(target, lines)

    with pytest.MonkeyPatch.context() as patch:  # undone after each run's end
        patch.setattr(writer.os, "replace", replace)
        patch.setattr(s3, "guarded", guarded)
        patch.setattr(cloudwatch, "publish", publish)
        patch.setattr(finish, "render_run", lambda docs: f"<html>{docs.statistics}</html>")
        yield


def run_end(
    monkeypatch: pytest.MonkeyPatch,
    place: Callable[[], Any],
    read: Callable[[], Any],
    faults: Faults,
) -> None:
    with place() as area, injected(faults, read):
        one_run(area, faults.tag)


def sequence(
    monkeypatch: pytest.MonkeyPatch, place: Callable[[], Any], read: Callable[[], Any]
) -> list[str]:
    """The steps of a whole run's end; then, for each step, an earlier run stored whole
    and the new run failed at that step: ``"<step>: <what a reader sees after>"``."""
    counting = Faults("new")
    run_end(monkeypatch, place, read, counting)
    assert json.loads(read()["statistics.json"])["run"] == "new"
    seen = []
    for at, step in enumerate(counting.steps):
        run_end(monkeypatch, place, read, Faults("old"))
        assert json.loads(read()["statistics.json"])["run"] == "old"
        with pytest.raises((OutputError, MetricsPublishError, Injected), match="injected"):
            run_end(monkeypatch, place, read, Faults("new", at))
        after = read()
        seen.append(
            f"{step}: {'none' if after is None else json.loads(after['statistics.json'])['run']}"
        )
    return seen


def test_a_failure_at_each_local_step(tmp_path, monkeypatch, aws) -> None:
    out = tmp_path / "run"

    @contextmanager
    def place() -> Iterator[OutputArea]:
        with output_area(str(out)) as area:
            yield area

    seen = sequence(monkeypatch, place, lambda: local_reader(out))
    assert seen == [
        "rename analyzer_states.bin: none",  # the earlier summary went before it
        "rename statistics.json: none",
        "rename constraints.json: none",
        "rename constraint_violations.json: none",
        "rename cloudwatch_metrics.jsonl: none",
        "rename report.html: none",
        "rename monitor-job-summary.json: none",  # the summary comes last
        "PutMetricData: new",  # metrics once the set is stored
        "rename monitor-job-summary.json: new",  # the summary again, with their outcome
    ]


def test_a_failure_at_each_upload_step(tmp_path, monkeypatch, aws) -> None:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    prefix = "runs/2024/03/01/10"

    @contextmanager
    def place() -> Iterator[OutputArea]:
        with output_area(f"s3://{BUCKET}/{prefix}") as area:
            yield area

    seen = sequence(monkeypatch, place, lambda: s3_reader(prefix))
    uri = f"s3://{BUCKET}/{prefix}"
    assert seen == [
        *(  # written locally first: the earlier set on S3 is untouched
            f"rename {name}: old"
            for name in (
                "analyzer_states.bin",
                "statistics.json",
                "constraints.json",
                "constraint_violations.json",
                "cloudwatch_metrics.jsonl",
                "report.html",
                SUMMARY_FILE,
            )
        ),
        f"delete_object {uri}/{SUMMARY_FILE}: old",  # the earlier summary first
        *(
            f"upload_file {uri}/{name}: none"
            for name in (
                "analyzer_states.bin",
                "constraint_violations.json",
                "constraints.json",
                "metrics/cloudwatch_metrics.jsonl",
                "report.html",
                "statistics.json",
                SUMMARY_FILE,  # last
            )
        ),
        "PutMetricData: new",
        f"rename {SUMMARY_FILE}: new",
        f"upload_file {uri}/{SUMMARY_FILE}: new",
    ]


def test_the_inventory_of_a_relative_output_path(tmp_path, monkeypatch) -> None:
    """``./out`` and ``out/x`` name the same files: every file of the run is listed."""
    monkeypatch.chdir(tmp_path)
    with output_area("./out/") as area:
        files = area.write({"statistics.json": "{}", "analyzer_states.bin": b"\x00"})
        files += area.write({"cloudwatch_metrics.jsonl": "{}\n"}, "out/metrics")
        assert sorted(area.inventory([area.final(f) for f in files])) == [
            "analyzer_states.bin",
            "metrics/cloudwatch_metrics.jsonl",
            "statistics.json",
        ]
