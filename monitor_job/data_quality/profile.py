"""Results of profiling: plain frozen values, separate from how they were computed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KllDistribution:
    buckets: tuple[tuple[float, float, float], ...]  # (lower, upper, count)
    sketch_data: tuple[tuple[float, ...], ...]  # compactor levels; level i has weight 2**i
    c: float = 0.64
    k: float = 2048.0


@dataclass(frozen=True)
class NumericStats:
    num_present: int
    num_missing: int
    mean: float
    sum: float
    std_dev: float
    min: float
    max: float
    distribution: KllDistribution | None


@dataclass(frozen=True)
class StringStats:
    num_present: int
    num_missing: int
    distinct_count: float
    buckets: tuple[tuple[str, int], ...] | None  # None: too many distinct values


@dataclass(frozen=True)
class FeatureProfile:
    name: str
    inferred_type: str
    completeness: float
    type_counts: dict[str, float]
    numeric: NumericStats | None = None
    string: StringStats | None = None
    in_domain: int | None = None  # present values inside the baseline's domains (monitoring)


@dataclass(frozen=True)
class ProfileHints:
    """What a monitoring run asks for beyond the window's own inferred types, by column
    index: numeric statistics (the baseline is numeric), categorical counts (the baseline
    is String), and the count of present values inside the baseline's ``domains``."""

    numeric: frozenset[int] = frozenset()
    categorical: frozenset[int] = frozenset()
    domains: tuple[tuple[int, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class DatasetProfile:
    item_count: int
    features: tuple[FeatureProfile, ...]
    records_failed: dict[str, int] = field(default_factory=dict)
    records_skipped: dict[str, int] = field(default_factory=dict)
    failure_samples: tuple[tuple[str, str], ...] = ()
    spark_jobs: int = 0
    # The analyzers' states (monitor_job/jvm ProfileState bytes), persisted beside the
    # outputs so that later runs can merge them without the data.
    states: bytes = field(default=b"", repr=False, compare=False)

    def inferred_types(self) -> dict[str, str]:
        """Each feature's inferred type, by name."""
        return {f.name: f.inferred_type for f in self.features}

    def feature(self, name: str) -> FeatureProfile | None:
        return next((f for f in self.features if f.name == name), None)
