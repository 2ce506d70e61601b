"""Custom checks (``custom_checks``) evaluated in a data-quality run, on Deequ.

Each check is Deequ's own ``Check`` of one constraint (``monitor_job/jvm``
``CustomChecks.java``) over the run's rows typed by the baseline's inferred types (the job
reads strings: ``hasMean`` and ``isLessThan`` must compare numbers). The scan-shareable
analyzers ride on the profile's one scan (``Dataset.observe`` on the frame it profiles);
the grouping ones (uniqueness, distinctness, distinct values, entropy, mutual information)
get one grouped pass per column set and filter, as Deequ runs them. Records that were not
decoded are not rows: every analyzer's filter is the decoder's ``reason IS NULL`` and the
check's ``where``. Assertions are judged here, on the values, never as Py4J callbacks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor_job.contract.custom_checks import MAX_BYTES, CheckFile, CustomCheck, parse_check_file
from monitor_job.data_quality.checks import Violation
from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING
from monitor_job.data_quality.profile import DatasetProfile
from monitor_job.decode import RAW, REASON
from monitor_job.errors import ConfigError, raise_if_stopped
from monitor_job.io.s3 import is_s3, read_bytes
from monitor_job.runtime.jvm import error_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

OBSERVED = "monitor_job_custom_checks"
CHECK_TYPE = "custom_check"
# Spark types the baseline's inferred types become before a rule sees a value.
SPARK_TYPES = {"Integral": "bigint", "Fractional": "double", "Boolean": "boolean"}
# The decoded frame's value columns, renamed so that the features can take their names.
PREFIX = "_mj_"
ADAPTIVE = "spark.sql.adaptive.enabled"


@dataclass(frozen=True)
class CheckValue:
    """A check's outcome: its value, whether it passed (None: not judged), and why there is
    no value or no judgement."""

    check: CustomCheck
    value: float | None
    passed: bool | None
    note: str | None = None
    history: tuple[tuple[str, float], ...] = ()  # anomaly checks: (time, value), oldest first

    @property
    def status(self) -> str:
        if self.passed is None:
            return "not evaluated"
        if self.passed:
            return "passed"
        return "failed" if self.check.level == "error" else "warning"

    def document(self) -> dict[str, Any]:
        c = self.check
        out: dict[str, Any] = {
            "rule": c.rule,
            "constraint": c.constraint(),
            "level": c.level,
            "value": self.value,
            "status": self.status,
        }
        if c.assertion is not None and c.anomaly is None:
            out["assert"] = c.assertion.text()
        if c.anomaly is not None:
            out["anomaly"] = {"strategy": c.anomaly.strategy, **dict(c.anomaly.params)}
            out["history"] = [{"time": t, "value": v} for t, v in self.history]
        if self.note:
            out["note"] = self.note
        return out

    def violation(self) -> Violation | None:
        """A failed ``error`` check, in Deequ's wording."""
        if self.passed is not False or self.check.level != "error":
            return None
        c = self.check
        kind = "anomaly_check" if c.anomaly is not None else CHECK_TYPE
        columns = c.columns
        return Violation(
            feature_name=columns[0] if len(columns) == 1 else "*",
            constraint_check_type=kind,
            description=f"{c.name}: Value: {_shown(self.value)} does not meet the constraint "
            f"requirement! {c.requirement()}" + (f" ({c.hint})" if c.hint else ""),
        )


def load_check_file(uri: str) -> CheckFile:
    """Read and validate the check file at ``uri`` (a path or ``s3://``; YAML or JSON), at
    most :data:`MAX_BYTES` of it read."""
    if is_s3(uri):
        data = read_bytes(uri, "custom_checks", ConfigError, limit=MAX_BYTES + 1)
    else:
        path = Path(uri[len("file://") :] if uri.startswith("file://") else uri)
        try:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as err:
            raise ConfigError(f"custom_checks {uri}: cannot read ({err.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"custom_checks {uri}: larger than {MAX_BYTES} bytes")
    return parse_check_file(data.decode("utf-8", errors="replace"), uri)


def _shown(value: float | None) -> str:
    return "null" if value is None else repr(float(value))


def judged(check: CustomCheck, value: float | None, note: str | None = None) -> CheckValue:
    """A value judged by the check's assertion (anomaly checks are judged with history)."""
    if value is None or check.assertion is None:
        return CheckValue(check, value, None, note)
    return CheckValue(check, value, check.assertion.holds(value), note)


def spark_type(inferred: str) -> str:
    return SPARK_TYPES.get(inferred, "string")


class CheckPlan:
    """The checks of a run over a decoded frame (``c0..`` strings, reason, raw) whose
    columns are ``names`` of the inferred ``types``."""

    def __init__(
        self,
        spark: SparkSession,
        checks: CheckFile,
        names: Sequence[str],
        types: Mapping[str, str],
    ) -> None:
        self.spark = spark
        self.names = tuple(names)
        self.types = dict(types)
        self.everything = checks.checks
        # Checks that are one of the profile's statistics cost no work per row.
        self.checks = tuple(c for c in checks.checks if not profile_answers(c, self.types))
        self._java: Any = None
        # The features a check reads: their value column's index and their Spark type.
        self.read: dict[str, tuple[int, str]] = {
            n: (i, spark_type(self.types.get(n, "String")))
            for i, n in enumerate(self.names)
            if not n.startswith(PREFIX) and self._read(n)
        }

    @property
    def columns(self) -> list[str]:
        """The profile's value columns in the typed frame."""
        return [f"{PREFIX}c{i}" for i in range(len(self.names))]

    def typed(self, frame: DataFrame) -> DataFrame:
        """The decoded frame with its value columns renamed and each feature typed under
        its own name, beside them."""
        from pyspark.sql import functions as F

        renamed = [F.col(f"c{i}").alias(f"{PREFIX}c{i}") for i in range(len(self.names))]
        typed = [F.col(f"c{i}").cast(t).alias(n) for n, (i, t) in self.read.items()]
        return frame.select(*renamed, REASON, RAW, *typed)

    def _read(self, name: str) -> bool:
        """Whether a check may read the column (one it names, or a name in its SQL text):
        only those are typed, as the profile's scan carries them."""
        lower = name.lower()  # Spark's SQL names are not case-sensitive
        for c in self.checks:
            texts = [c.where or "", str(c.args.get("columnCondition", ""))]
            if name in c.columns or any(lower in text.lower() for text in texts):
                return True
        return False

    def _specs(self, checks: Sequence[CustomCheck]) -> str:
        good = f"`{REASON}` IS NULL"
        specs = []
        for c in checks:
            spec: dict[str, Any] = {"rule": c.rule, **_plain(c.args)}
            spec["where"] = f"{good} AND ({c.where})" if c.where else good
            specs.append(spec)
        return json.dumps(specs)

    def _build(self, typed: DataFrame, checks: Sequence[CustomCheck]) -> Any:
        jvm = self.spark.sparkContext._jvm
        assert jvm is not None
        return jvm.monitorjob.aggregates.CustomChecks(self._specs(checks), typed._jdf.schema())

    def observe(self, typed: DataFrame) -> DataFrame:
        """``typed`` observing the scan-shareable analyzers' aggregations (computed by
        whatever scans it: the profile). Spark's analyzer proves every check's SQL here (no
        data read); when it refuses, each check is proved alone so that the line names
        the one at fault."""
        from pyspark.sql import Column

        if not self.checks:
            return typed
        try:
            self._java = self._build(typed, self.checks)
            columns = [Column(c) for c in self._java.scanColumns()]
            for check in self.checks:
                if check.where:
                    typed.where(check.where)
            if not columns:
                return typed
            # The profile reads the untyped frame with each typed value cast where an
            # aggregation reads it: no typed columns carried past the observer.
            sources = {n: [f"{PREFIX}c{i}", t] for n, (i, t) in self.read.items()}
            inlined = self._java.scanColumns(json.dumps(sources))
            if inlined is None:  # a lambda function: its variables need the typed frame
                return typed.observe(OBSERVED, *columns)
            untyped = typed.select(*self.columns, REASON, RAW)
            return untyped.observe(OBSERVED, *(Column(c) for c in inlined))
        except Exception as err:  # Spark's parse or analysis error, as py4j raises it
            raise_if_stopped(err)
            for check in self.checks:
                self._prove(typed, check)
            raise ConfigError(f"custom checks: {error_line(err)[:300]}") from None

    def _prove(self, typed: DataFrame, check: CustomCheck) -> None:
        from pyspark.sql import Column

        try:
            columns = [Column(c) for c in self._build(typed, [check]).scanColumns()]
            if columns:
                typed.agg(*columns)
            if check.where:
                typed.where(check.where)
        except Exception as err:
            raise_if_stopped(err)
            raise ConfigError(
                f"custom check {check.name} ({check.rule}): {error_line(err)[:300]}"
            ) from None

    def finish(
        self, observed: Any, typed: DataFrame, prof: DatasetProfile
    ) -> tuple[CheckValue, ...]:
        """The checks' values from the scan's observed row, the grouped passes over
        ``typed`` and the profile ``prof``, judged by their assertions."""
        computed = {v.check.name: v for v in self._computed(observed, typed)}
        out = []
        for check in self.everything:
            if check.name in computed:
                out.append(computed[check.name])
            else:
                out.append(judged(check, from_profile(check, prof)))
        return tuple(out)

    def _computed(self, observed: Any, typed: DataFrame) -> tuple[CheckValue, ...]:
        if not self.checks:
            return ()
        assert self._java is not None
        if observed is not None:
            self._java.scanned(observed)
        # One job per grouped pass: adaptive execution would run each of its shuffle
        # stages as a job of its own (three per pass, the same work).
        conf = self.spark.conf
        adaptive = conf.get(ADAPTIVE, "true") or "true"
        conf.set(ADAPTIVE, "false")
        try:
            self._java.grouped(typed._jdf)
        finally:
            conf.set(ADAPTIVE, adaptive)
        results = json.loads(str(self._java.json()))
        return tuple(
            judged(c, _finite(r["value"]), r["error"])
            for c, r in zip(self.checks, results, strict=True)
        )


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if not math.isnan(value) else None


def _plain(args: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in args.items()}


def evaluate_after(
    spark: SparkSession, checks: CheckFile, frame: DataFrame, prof: DatasetProfile
) -> tuple[CheckValue, ...]:
    """A baseline run's checks: its types are known only once profiled, so the checks get
    a scan of their own after the profile (monitoring runs share the profile's)."""
    names = tuple(f.name for f in prof.features)
    plan = CheckPlan(spark, checks, names, prof.inferred_types())
    typed = plan.typed(frame)
    observed = plan.observe(typed)
    row = None
    if plan.checks:
        execution = observed._jdf.queryExecution()
        execution.toRdd().count()
        metrics = execution.observedMetrics()
        row = metrics.get(OBSERVED).getOrElse(None) if metrics.contains(OBSERVED) else None
    return plan.finish(row, typed, prof)


# Rules whose value, without ``where``, is one of the profile's statistics of a column of
# the right type (the job's own Deequ analyzers, already computed in the scan).
NUMERIC_STATISTICS = {
    "hasMin": "min",
    "hasMax": "max",
    "hasMean": "mean",
    "hasSum": "sum",
    "hasStandardDeviation": "std_dev",
}


def profile_answers(check: CustomCheck, types: Mapping[str, str]) -> bool:
    """Whether the profile's statistics give this check's value in a monitoring run:
    ``hasSize``; completeness; a numeric column's moments, min, max and quantile; a string
    column's approximate distinct count. Not with ``where``."""
    if check.where is not None:
        return False
    if check.rule == "hasSize":
        return True
    kind = types.get(check.args.get("column", ""))
    if check.rule in ("isComplete", "hasCompleteness"):
        return kind is not None
    if check.rule in NUMERIC_STATISTICS or check.rule == "hasApproxQuantile":
        return kind in NUMERIC_TYPES
    return check.rule == "hasApproxCountDistinct" and kind == STRING


def from_profile(check: CustomCheck, prof: DatasetProfile) -> float | None:
    """The check's value as a run's statistics tell it (a rollup's merged profile, or an
    earlier run's statistics.json), or None when they cannot: only rules without ``where``
    that are one of the profile's statistics."""
    if check.where is not None:
        return None
    if check.rule == "hasSize":
        return float(prof.item_count)
    feature = prof.feature(check.args.get("column", "")) if "column" in check.args else None
    if feature is None:
        return None
    stats = feature.numeric
    if check.rule in ("isComplete", "hasCompleteness"):
        if stats is not None and prof.item_count:
            return stats.num_present / prof.item_count
        return feature.completeness
    if check.rule in NUMERIC_STATISTICS and stats is not None and stats.num_present:
        return float(getattr(stats, NUMERIC_STATISTICS[check.rule]))
    if check.rule == "hasApproxQuantile" and stats is not None and stats.distribution:
        return quantile(stats.distribution.sketch_data, float(check.args["quantile"]))
    if check.rule == "hasApproxCountDistinct" and feature.string is not None:
        return float(feature.string.distinct_count)
    return None


def quantile(levels: Sequence[Sequence[float]], q: float) -> float | None:
    """The ``q`` quantile of a KLL sketch's items (weight ``2**level``): the smallest item
    whose cumulative weight reaches ``q`` of the total."""
    from monitor_job.data_quality.distance import weighted_items

    values, cumulative = weighted_items(levels)
    if not len(values):
        return None
    index = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
    return float(values[min(index, len(values) - 1)])


def evaluate_profile(checks: CheckFile, prof: DatasetProfile) -> tuple[CheckValue, ...]:
    """A rollup's checks: those its merged statistics answer; the others not evaluated."""
    out = []
    for check in checks.checks:
        value = from_profile(check, prof)
        note = None if value is not None else "not evaluated: the merged states cannot answer it"
        out.append(judged(check, value, note))
    return tuple(out)
