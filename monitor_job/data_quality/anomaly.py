"""Anomalies in a run's history: a custom check with ``anomaly: {strategy: ...}`` is judged
by Deequ's own anomaly detection strategies (called in the Deequ jar through py4j, not
reimplemented) on the series of its value in earlier runs (``metrics_history``: a folder or
S3 prefix of finished runs, found as a rollup finds them). No data is reread: a run's value
is the one its summary kept for the check, else what its statistics.json says of the rule
(``Size``, a feature's completeness, mean, ...)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from monitor_job.contract.custom_checks import CheckFile, CustomCheck
from monitor_job.contract.strategies import Anomaly
from monitor_job.data_quality.custom import CheckValue, from_profile
from monitor_job.data_quality.documents import profile_from_statistics
from monitor_job.data_quality.runs import Run, fetch, select
from monitor_job.errors import EmptyInputError, MonitorJobError, raise_if_stopped
from monitor_job.io.documents import read_json
from monitor_job.report.documents import STATISTICS
from monitor_job.runtime.jvm import error_line

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")
MAX_POINTS = 10_000  # the newest runs of a history kept per check


def _millis(when: datetime) -> int:
    return int(when.astimezone(timezone.utc).timestamp() * 1000)


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_values(run: Run, checks: Sequence[CustomCheck]) -> dict[str, float]:
    """A finished run's value of each check: its summary's (read when the run was found),
    else its statistics'."""
    out = {c.name: run.check_values[c.name] for c in checks if c.name in run.check_values}
    missing = [c for c in checks if c.name not in out]
    if missing:
        try:
            prof = profile_from_statistics(read_json(run.path(STATISTICS), "statistics"))
        except MonitorJobError as err:
            raise_if_stopped(err)
            return out
        for check in missing:
            value = from_profile(check, prof)
            if value is not None:
                out[check.name] = value
    return out


def read_history(
    checks: CheckFile, source: str, before: datetime | None
) -> tuple[dict[str, list[tuple[int, float]]], list[str]]:
    """Each anomaly check's series (epoch milliseconds, value), oldest first, from the
    finished runs under ``source`` that end by ``before``; and notes on what was read."""
    wanted = checks.anomalies
    series: dict[str, list[tuple[int, float]]] = {c.name: [] for c in wanted}
    try:
        span = select(source, None, before)
    except EmptyInputError:
        return series, [f"metrics_history {source}: no finished run before this one"]
    except MonitorJobError as err:  # a folder or prefix that cannot be listed
        raise_if_stopped(err)
        log.warning("metrics_history %s cannot be read: %s", source, err)
        return series, [f"metrics_history {source} cannot be read: {err}"]
    runs = [r for r in span.runs if r.end is not None][-MAX_POINTS:]
    for run, values in zip(runs, fetch(runs, lambda r: _run_values(r, wanted)), strict=True):
        assert run.end is not None
        for name, value in (values or {}).items():
            series[name].append((_millis(run.end), value))
    notes = [f"metrics_history {source}: {len(runs)} earlier run(s)"]
    notes += [f"run left out of the history: {w}: {why}" for w, why in span.left_out]
    return series, notes


def _option(jvm: Any, value: float | None) -> Any:
    return jvm.scala.Option.empty() if value is None else jvm.scala.Option.apply(float(value))


def strategy(spark: SparkSession, anomaly: Anomaly) -> Any:
    """Deequ's strategy object for ``anomaly`` (PyDeequ's parameter names)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    pkg = jvm.com.amazon.deequ.anomalydetection
    p = anomaly.params
    name = anomaly.strategy
    if name in ("RelativeRateOfChange", "AbsoluteChange"):
        cls = getattr(pkg, f"{name}Strategy")
        return cls(
            _option(jvm, p["maxRateDecrease"]), _option(jvm, p["maxRateIncrease"]), p["order"]
        )
    if name == "SimpleThreshold":
        return pkg.SimpleThresholdStrategy(float(p["lowerBound"]), float(p["upperBound"]))
    if name == "OnlineNormal":
        return pkg.OnlineNormalStrategy(
            _option(jvm, p["lowerDeviationFactor"]),
            _option(jvm, p["upperDeviationFactor"]),
            float(p["ignoreStartPercentage"]),
            bool(p["ignoreAnomalies"]),
        )
    if name == "BatchNormal":
        return pkg.BatchNormalStrategy(
            _option(jvm, p["lowerDeviationFactor"]),
            _option(jvm, p["upperDeviationFactor"]),
            bool(p["includeInterval"]),
        )
    seasonal = pkg.seasonal
    interval = getattr(getattr(seasonal, "HoltWinters$MetricInterval$"), "MODULE$")
    season = getattr(getattr(seasonal, "HoltWinters$SeriesSeasonality$"), "MODULE$")
    return seasonal.HoltWinters(
        getattr(interval, p["metricsInterval"])(), getattr(season, p["seasonality"])()
    )


def anomalous(
    spark: SparkSession,
    anomaly: Anomaly,
    history: Sequence[tuple[int, float]],
    new: tuple[int, float],
) -> bool:
    """Deequ's ``AnomalyDetector(strategy).isNewPointAnomalous(history, new)``: whether the
    new point is an anomaly against the history (times in epoch milliseconds)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    pkg = jvm.com.amazon.deequ.anomalydetection
    series = jvm.monitorjob.aggregates.CustomChecks.series
    points = series(json.dumps([[int(t), float(v)] for t, v in history]))
    [point] = jvm.scala.collection.JavaConverters.seqAsJavaList(
        series(json.dumps([[int(new[0]), float(new[1])]]))
    )
    result = pkg.AnomalyDetector(strategy(spark, anomaly)).isNewPointAnomalous(points, point)
    return not result.anomalies().isEmpty()


def judge(
    spark: SparkSession,
    checks: CheckFile,
    values: Sequence[CheckValue],
    source: str | None,
    window: tuple[datetime | None, datetime | None],
) -> tuple[tuple[CheckValue, ...], list[str]]:
    """The anomaly checks among ``values`` judged against their history under ``source``:
    the runs that end by this run's ``window`` start (a rerun of this window is not its own
    history); this run's point is at the window's end. The other values as they are."""
    before, now = window
    if not checks.anomalies:
        return tuple(values), []
    if source is None:
        out = [
            replace(v, note="not evaluated: no metrics_history given")
            if v.check.anomaly is not None
            else v
            for v in values
        ]
        return tuple(out), []
    series, notes = read_history(checks, source, before)
    out = []
    for v in values:
        anomaly = v.check.anomaly
        if anomaly is None:
            out.append(v)
            continue
        history = series.get(v.check.name, [])
        shown = tuple((_iso(t), x) for t, x in history)
        if v.value is None or not history:
            why = "no value in this run" if v.value is None else "no earlier value in the history"
            out.append(replace(v, passed=None, note=f"not evaluated: {why}", history=shown))
            continue
        t = max(_millis(now) if now is not None else 0, history[-1][0] + 1)
        try:
            flagged = anomalous(spark, anomaly, history, (t, v.value))
        except Exception as err:  # Deequ refuses the series (too short for the strategy)
            raise_if_stopped(err)
            reason = error_line(err)
            out.append(
                replace(v, passed=None, note=f"not evaluated: {reason[:200]}", history=shown)
            )
            continue
        out.append(replace(v, passed=not flagged, history=shown))
    return tuple(out), notes
