"""A run's metrics pushed to a Prometheus Pushgateway (``prometheus_pushgateway``), for
those who schedule the job with Kubernetes and alert with Prometheus.

The same lines as the CloudWatch metrics file, under the same names made Prometheus-safe
(``feature_baseline_drift_<f>``; a character Prometheus refuses becomes ``_``); their
dimensions beyond the endpoint and schedule become labels (``facet``, ``label``,
``value_type``, ...), a ``StatisticValues`` line one gauge per ``statistic``. The group is
(job ``monitor-job``, endpoint, schedule, analysis type), so each schedule's metrics stand
apart. A finished run replaces its group (features gone from the data go from the
gateway) and adds the run's outcome: ``monitor_job_last_run_success`` (1), its
``..._violations``, ``..._exit_code`` (0) and ``..._timestamp_seconds``, and
``monitor_job_last_success_timestamp_seconds``. A failed run only updates the outcome
(``..._success`` 0, its exit code and time): the last good run's metrics and time stay, so
"no success for two hours" is one rule. Pushing never fails a run: a gateway that does not
answer is a warning and a note.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from monitor_job.contract import JobConfig

log = logging.getLogger("monitor_job")

JOB = "monitor-job"
GROUPED = ("Endpoint", "MonitoringSchedule")  # in the grouping key, not labels
TIMEOUT = 10.0


def safe(name: str) -> str:
    """A Prometheus metric or label name: ``[a-zA-Z_:][a-zA-Z0-9_:]*``."""
    text = re.sub(r"[^a-zA-Z0-9_:]", "_", name)
    return text if re.match(r"^[a-zA-Z_:]", text) else f"_{text}"


def _label(name: str) -> str:
    """``FacetValue`` -> ``facet_value``."""
    return safe(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower())


def grouping(config: JobConfig) -> dict[str, str]:
    group = {"analysis_type": config.analysis_type.value}
    if config.endpoint_name:
        group["endpoint"] = config.endpoint_name
    if config.schedule_name:
        group["schedule"] = config.schedule_name
    return group


def _registry(lines: Sequence[dict[str, Any]], outcome: dict[str, float]) -> Any:
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    gauges: dict[str, tuple[Any, list[str]]] = {}  # by name: the gauge, its label names
    for line in lines:
        labels = {
            _label(d["Name"]): str(d["Value"])
            for d in line.get("Dimensions") or []
            if d["Name"] not in GROUPED
        }
        if "Value" in line:
            samples = [(labels, line["Value"])]
        else:  # StatisticValues: a sample per statistic
            stats = line.get("StatisticValues") or {}
            samples = [({**labels, "statistic": k}, v) for k, v in stats.items()]
        if not samples:
            continue
        name, names = safe(str(line["MetricName"])), sorted(samples[0][0])
        if name not in gauges:
            help_text = f"monitor-job metric {line['MetricName']}"
            gauges[name] = (Gauge(name, help_text, names, registry=registry), names)
        gauge, known = gauges[name]
        if names != known:
            continue  # a sanitized name met another metric's: keep the first
        for given, value in samples:
            (gauge.labels(**given) if given else gauge).set(float(value))
    for name, value in outcome.items():
        Gauge(name, f"monitor-job run outcome: {name}", registry=registry).set(value)
    return registry


def push(
    config: JobConfig, lines: Sequence[dict[str, Any]], violations: int, exit_code: int = 0
) -> dict[str, Any] | None:
    """Push the run's metrics (none for a failed run) and outcome when
    ``prometheus_pushgateway`` is set; the summary's entry (None when not set)."""
    gateway = config.prometheus_pushgateway
    if not gateway:
        return None
    from prometheus_client import push_to_gateway, pushadd_to_gateway

    now = time.time()
    ok = exit_code == 0
    outcome = {
        "monitor_job_last_run_success": 1.0 if ok else 0.0,
        "monitor_job_last_run_violations": float(violations),
        "monitor_job_last_run_exit_code": float(exit_code),
        "monitor_job_last_run_timestamp_seconds": now,
    }
    if ok:
        outcome["monitor_job_last_success_timestamp_seconds"] = now
    group = grouping(config)
    try:
        registry = _registry(lines, outcome)
        send = push_to_gateway if ok else pushadd_to_gateway
        send(gateway, job=JOB, registry=registry, grouping_key=group, timeout=TIMEOUT)
    except Exception as err:  # never fail a run for its side channel
        log.warning("metrics not pushed to %s: %s: %s", gateway, type(err).__name__, err)
        return {"gateway": gateway, "status": "failed", "error": f"{type(err).__name__}: {err}"}
    log.info("pushed %d metric line(s) to the Pushgateway %s", len(lines), gateway)
    return {"gateway": gateway, "status": "pushed", "group": group, "metrics": len(lines)}
