"""The files a report is built from, read once (local paths or ``s3://``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor_job.errors import BaselineError
from monitor_job.io.documents import read_json
from monitor_job.io.s3 import client, guarded, is_s3, join, split_uri

log = logging.getLogger("monitor_job")

View = Callable[["RunDocuments"], tuple[dict[str, Any], list[dict[str, Any]]]]

STATISTICS = "statistics.json"
ANALYSIS = "analysis.json"
VIOLATIONS = "constraint_violations.json"
CONSTRAINTS = "constraints.json"
SUMMARY = "monitor-job-summary.json"

DATA_QUALITY = "data quality"
MODEL_QUALITY = "model quality"
BIAS = "bias"
EXPLAINABILITY = "explainability"
MODEL_QUALITY_KEYS = (
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_metrics",
)


Spec = dict[str, Any]  # a Vega-Lite chart specification


@dataclass(frozen=True)
class RunDocuments:
    """One run's output files as parsed JSON (``None``: the file is not there), and the
    ``view`` of the monitor type that wrote them: what its page shows of them (plain dicts
    for the template, with the run's ``violations``, and the chart specifications they
    index)."""

    statistics: Mapping[str, Any]  # statistics.json, or a Clarify run's analysis.json
    baseline_statistics: Mapping[str, Any] | None = None  # or the baseline analysis.json
    violations: Mapping[str, Any] | None = None
    constraints: Mapping[str, Any] | None = None
    summary: Mapping[str, Any] | None = None
    location: str = ""  # where the run's files are, for the page's header
    view: View | None = None

    @property
    def kind(self) -> str:
        return kind_of(self.statistics)


def kind_of(statistics: Mapping[str, Any]) -> str:
    if isinstance(statistics.get("features"), list):
        return DATA_QUALITY
    if any(k in statistics for k in MODEL_QUALITY_KEYS):
        return MODEL_QUALITY
    if "pre_training_bias_metrics" in statistics or "post_training_bias_metrics" in statistics:
        return BIAS
    if "explanations" in statistics:
        return EXPLAINABILITY
    raise BaselineError(
        "statistics: not a data-quality or model-quality statistics.json nor a bias or "
        "explainability analysis.json (no 'features', '*_metrics', '*_bias_metrics' or "
        "'explanations' key)"
    )


def exists(uri: str) -> bool:
    if is_s3(uri):
        bucket, key = split_uri(uri)
        found = guarded(
            f"report input {uri}",
            BaselineError,
            client().list_objects_v2,
            Bucket=bucket,
            Prefix=key,
            MaxKeys=1,
        )
        return any(o["Key"] == key for o in found.get("Contents", []))
    from pathlib import Path

    return Path(uri.removeprefix("file://")).is_file()


def parent(uri: str) -> str:
    """The directory (or S3 prefix) a file's path or URI is in."""
    return uri.rsplit("/", 1)[0] if "/" in uri else "."


def sibling(uri: str, name: str) -> str:
    return join(parent(uri), name)


def _optional(uri: str | None, what: str) -> Any:
    if uri is None or not exists(uri):
        return None
    document = read_json(uri, what)
    return document if isinstance(document, Mapping) else None


def read_run(
    statistics: str,
    baseline_statistics: str | None = None,
    violations: str | None = None,
    constraints: str | None = None,
) -> RunDocuments:
    """The run whose statistics (or analysis.json) is at ``statistics``. The files a run
    writes beside it (violations, constraints, monitor-job-summary.json) are read when they
    are there and not given explicitly; a file given explicitly must exist."""
    main = read_json(statistics, "statistics")
    if not isinstance(main, Mapping):
        raise BaselineError(f"statistics {statistics} is not a JSON object")
    kind = kind_of(main)
    given = {
        "baseline_statistics": baseline_statistics,
        "violations": violations,
        "constraints": constraints,
    }
    read = {k: read_json(v, k) for k, v in given.items() if v is not None}
    if violations is None:
        read["violations"] = _optional(sibling(statistics, VIOLATIONS), "violations")
    if constraints is None and kind not in (BIAS, EXPLAINABILITY):
        read["constraints"] = _optional(sibling(statistics, CONSTRAINTS), "constraints")
    summary = _optional(sibling(statistics, SUMMARY), "summary")
    found = [k for k, v in read.items() if v is not None] + (["summary"] if summary else [])
    log.info("report for %s (%s) from: statistics, %s", statistics, kind, ", ".join(found))
    return RunDocuments(
        statistics=main,
        baseline_statistics=read.get("baseline_statistics"),
        violations=read.get("violations"),
        constraints=read.get("constraints"),
        summary=summary,
        location=parent(statistics),
    )
