"""The bias checks against a baseline (drift): a monitoring window's metrics against the
baseline's analysis.json.

The rule AWS documents: a metric drifts when its value is farther from "no bias" than the
baseline's (0 for every metric but DI, whose neutral value is 1), and the difference is
significant: the baseline value lies outside a normal bootstrap confidence interval of the
window's value. The bootstrap resamples records, which for these metrics means drawing the
window's cell counts from a multinomial over its own cell shares (every metric is a
function of the counts), so ``samples`` resamples cost microseconds each and no Python runs
per record. ``method="plain"`` drops the significance test (farther from neutral is enough).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from monitor_job.bias.documents import metric_entries
from monitor_job.bias.metrics import METRICS, Counts, Undefined
from monitor_job.contract.config import BIAS_DRIFT_METHODS as METHODS
from monitor_job.errors import ConfigError

NEUTRAL = {"DI": 1.0}


@dataclass(frozen=True)
class DriftSettings:
    method: str = "bootstrap"
    confidence: float = 0.95
    samples: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"bias drift method must be one of {METHODS}, got {self.method!r}")
        if not 0 < self.confidence < 1:
            raise ConfigError(f"bias drift confidence must be in (0, 1), got {self.confidence}")
        if self.samples < 10:
            raise ConfigError(f"bias drift samples must be at least 10, got {self.samples}")


def number(value: object) -> float | None:
    """A metric value from analysis.json (``"Infinity"`` is a string in JSON)."""
    if value is None:
        return None
    try:
        return float(str(value)) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except ValueError:
        return None


def interval(
    counts: Counts, name: str, centre: float, settings: DriftSettings
) -> tuple[float, float] | None:
    """Normal bootstrap interval around ``centre``, the window's value of metric ``name``,
    from resampled windows (None when the metric is undefined on too many resamples to say)."""
    cells = counts.cells
    total = sum(c.count for c in cells)
    if total == 0:
        return None
    rng = np.random.default_rng(settings.seed)
    shares = np.array([c.count for c in cells], dtype=float) / total
    values = []
    for draw in rng.multinomial(total, shares, size=settings.samples):
        resampled = Counts([replace(c, count=int(k)) for c, k in zip(cells, draw, strict=True)])
        try:
            value = METRICS[name](resampled)
        except Undefined:
            continue
        if math.isfinite(value):
            values.append(value)
    if len(values) < settings.samples // 2:
        return None
    spread = NormalDist().inv_cdf(0.5 + settings.confidence / 2) * float(np.std(values, ddof=1))
    return centre - spread, centre + spread


# Metrics that are not functions of the cell counts: the bootstrap of the counts cannot
# give them an interval (FT would need its k-NN on every resample of the records), so the
# bootstrap method does not judge them; "plain" does.
NOT_FROM_COUNTS = ("FT",)
UNCHECKED_NOTE = (
    "FT is not checked for drift by the bootstrap method: its interval would need the "
    "k-NN of every resampled window; bias_drift_method=plain checks it"
)


def drifted(
    name: str, current: float, baseline: float, counts: Counts, settings: DriftSettings
) -> bool:
    neutral = NEUTRAL.get(name, 0.0)
    if not abs(current - neutral) > abs(baseline - neutral):
        return False
    if settings.method == "plain" or not math.isfinite(current):
        return True
    if name in NOT_FROM_COUNTS:
        return False
    bounds = interval(counts, name, current, settings)
    return bounds is None or not bounds[0] <= baseline <= bounds[1]


def violations(
    baseline: Mapping[str, Any],
    current: Mapping[str, Any],
    counts: Mapping[tuple[str, str], Counts],
    settings: DriftSettings,
) -> list[dict[str, str]]:
    """``bias_drift_check`` rows, in the 2024 wording, for every facet value and metric that
    both documents carry with a value."""
    found: list[dict[str, str]] = []
    base = metric_entries(baseline)
    for key, metric in metric_entries(current).items():
        _, facet, value, name = key
        now = number(metric.get("value"))
        then = number((base.get(key) or {}).get("value"))
        if now is None or then is None or (facet, value) not in counts:
            continue
        if drifted(name, now, then, counts[(facet, value)], settings):
            found.append(
                {
                    "facet": facet,
                    "facet_value": value,
                    "metric_name": name,
                    "constraint_check_type": "bias_drift_check",
                    "description": f"Metric value {_text(now)} doesn't meet the "
                    f"baseline constraint requirement {_text(then)}",
                }
            )
    return found


def unchecked(current: Mapping[str, Any], settings: DriftSettings) -> list[str]:
    """What the drift check could not judge in ``current``, said in the run's notes."""
    has_value = any(
        key[3] in NOT_FROM_COUNTS and number(metric.get("value")) is not None
        for key, metric in metric_entries(current).items()
    )
    return [UNCHECKED_NOTE] if has_value and settings.method != "plain" else []


def _text(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)
