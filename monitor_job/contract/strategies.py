"""Deequ's anomaly detection strategies as a custom check names them
(``anomaly: {strategy: RelativeRateOfChange, maxRateDecrease: 0.5}``): PyDeequ's parameter
names and defaults, checked before Spark starts (the strategies run in the Deequ jar:
``monitor_job/data_quality/anomaly.py``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor_job.errors import ConfigError

# Deequ's anomaly detection strategies and their parameters (PyDeequ's names), with
# PyDeequ's defaults; a parameter without a default (None) may be left out only where
# Deequ's is an Option.
STRATEGIES: dict[str, dict[str, Any]] = {
    "RelativeRateOfChange": {"maxRateDecrease": None, "maxRateIncrease": None, "order": 1},
    "AbsoluteChange": {"maxRateDecrease": None, "maxRateIncrease": None, "order": 1},
    "SimpleThreshold": {"lowerBound": -1.7976931348623157e308, "upperBound": None},
    "OnlineNormal": {
        "lowerDeviationFactor": 3.0,
        "upperDeviationFactor": 3.0,
        "ignoreStartPercentage": 0.1,
        "ignoreAnomalies": True,
    },
    "BatchNormal": {
        "lowerDeviationFactor": 3.0,
        "upperDeviationFactor": 3.0,
        "includeInterval": False,
    },
    "HoltWinters": {"metricsInterval": None, "seasonality": None},
}
METRIC_INTERVALS = ("Hourly", "Daily", "Monthly")
SEASONALITIES = ("Daily", "Weekly", "Yearly")
# HoltWinters' two parameters: Deequ's enums' values.
CHOICES = {"metricsInterval": METRIC_INTERVALS, "seasonality": SEASONALITIES}


@dataclass(frozen=True)
class Anomaly:
    strategy: str
    params: Mapping[str, Any]

    def text(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items() if v is not None)
        return f"{self.strategy}({shown})"


def parse_anomaly(value: Any, where: str) -> Anomaly:
    if not isinstance(value, dict) or "strategy" not in value:
        raise ConfigError(f"{where}: anomaly must be a mapping with a strategy")
    name = str(value["strategy"])
    name = name[: -len("Strategy")] if name.endswith("Strategy") else name
    if name not in STRATEGIES:
        raise ConfigError(
            f"{where}: unknown anomaly strategy {name[:60]!r}; valid: {', '.join(STRATEGIES)}"
        )
    known = STRATEGIES[name]
    unknown = sorted(k for k in map(str, value) if k != "strategy" and k not in known)
    if unknown:
        raise ConfigError(
            f"{where}: {name} takes no {', '.join(unknown)}; its parameters: {', '.join(known)}"
        )
    params: dict[str, Any] = {}
    for key, default in known.items():
        given = value.get(key, default)
        params[key] = _parameter(name, key, given, where)
    if name == "SimpleThreshold" and params["upperBound"] is None:
        raise ConfigError(f"{where}: SimpleThreshold needs upperBound")
    if name in ("RelativeRateOfChange", "AbsoluteChange") and (
        params["maxRateDecrease"] is None and params["maxRateIncrease"] is None
    ):
        raise ConfigError(f"{where}: {name} needs maxRateDecrease and/or maxRateIncrease")
    return Anomaly(name, params)


def _parameter(strategy: str, key: str, value: Any, where: str) -> Any:
    choices = CHOICES.get(key)
    if value is None:
        if choices is not None:
            raise ConfigError(f"{where}: HoltWinters needs {key} (one of {', '.join(choices)})")
        return None
    if choices is not None:
        if value not in choices:
            raise ConfigError(f"{where}: {key} must be one of {', '.join(choices)}; got {value!r}")
        return value
    if key in ("ignoreAnomalies", "includeInterval"):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false; got {value!r}")
        return value
    if key == "order":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise ConfigError(f"{where}: order must be an integer from 1 to 100; got {value!r}")
        return value
    number = finite_number(value)
    if number is None:
        raise ConfigError(f"{where}: {key} must be a finite number; got {value!r}")
    return number


def finite_number(value: Any) -> float | None:
    """A finite int or float of a parsed file as a float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
