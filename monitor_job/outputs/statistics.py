"""statistics.json (data quality) from a :class:`DatasetProfile`.

Number types follow the closed container's files: ``version`` 0.0, counts in ``common``
as integers, every statistic and bucket count as a double.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor_job.analyzers import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    StringStats,
)
from monitor_job.analyzers.types import STRING, UNKNOWN
from monitor_job.errors import BaselineError


def _feature(feature: FeatureProfile) -> dict[str, Any]:
    out: dict[str, Any] = {"name": feature.name, "inferred_type": feature.inferred_type}
    numeric = feature.numeric
    if feature.inferred_type == STRING and feature.string is not None:
        numeric = None  # a String feature is described by its string statistics
    if numeric is not None:
        s = numeric
        stats: dict[str, Any] = {
            "common": {"num_present": s.num_present, "num_missing": s.num_missing},
        }
        if s.num_present > 0:
            stats.update(mean=s.mean, sum=s.sum, std_dev=s.std_dev, min=s.min, max=s.max)
        if s.distribution is not None:
            d = s.distribution
            stats["distribution"] = {
                "kll": {
                    "buckets": [
                        {"lower_bound": lo, "upper_bound": hi, "count": float(c)}
                        for lo, hi, c in d.buckets
                    ],
                    "sketch": {
                        "parameters": {"c": d.c, "k": d.k},
                        "data": [list(level) for level in d.sketch_data],
                    },
                }
            }
        out["numerical_statistics"] = stats
    elif feature.string is not None:
        s2 = feature.string
        sstats: dict[str, Any] = {
            "common": {"num_present": s2.num_present, "num_missing": s2.num_missing},
            "distinct_count": float(s2.distinct_count),
        }
        if s2.buckets is not None:
            sstats["distribution"] = {
                "categorical": {"buckets": [{"value": v, "count": c} for v, c in s2.buckets]}
            }
        out["string_statistics"] = sstats
    return out


def statistics_document(profile: DatasetProfile) -> dict[str, Any]:
    return {
        "version": 0.0,
        "dataset": {"item_count": profile.item_count},
        "features": [_feature(f) for f in profile.features],
    }


def _float(where: str, raw: Any, default: float = 0.0) -> float:
    if raw is None:
        return default
    try:
        return float(raw)
    except (TypeError, ValueError) as err:
        raise BaselineError(f"statistics {where} must be a number; got {raw!r}") from err


def _kll(where: str, raw: Any) -> KllDistribution | None:
    kll = raw.get("kll") if isinstance(raw, Mapping) else None
    if not isinstance(kll, Mapping):
        return None
    sketch = kll.get("sketch") or {}
    params = sketch.get("parameters") or {}
    try:
        levels = tuple(tuple(float(v) for v in level) for level in sketch.get("data") or ())
        buckets = tuple(
            (float(b["lower_bound"]), float(b["upper_bound"]), float(b["count"]))
            for b in kll.get("buckets") or ()
        )
    except (TypeError, ValueError, KeyError) as err:
        raise BaselineError(f"statistics {where}: unreadable KLL sketch ({err!r})") from err
    return KllDistribution(
        buckets,
        levels,
        _float(f"{where} sketch c", params.get("c"), 0.64),
        _float(f"{where} sketch k", params.get("k"), 2048.0),
    )


def _common(where: str, stats: Mapping[str, Any], item_count: int) -> tuple[int, int]:
    common = stats.get("common") or {}
    present = round(_float(f"{where} num_present", common.get("num_present")))
    missing = round(_float(f"{where} num_missing", common.get("num_missing"), item_count - present))
    return present, missing


def profile_from_statistics(document: Any) -> DatasetProfile:
    """Read a statistics.json (ours or SageMaker's) back into a :class:`DatasetProfile`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("features"), list):
        raise BaselineError("statistics file must be an object with a 'features' list")
    item_count = round(
        _float("dataset.item_count", (document.get("dataset") or {}).get("item_count"))
    )
    features = []
    for i, raw in enumerate(document["features"]):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise BaselineError(f"statistics features[{i}] must be an object with a 'name'")
        where = f"feature {raw['name']!r}"
        numeric = string = None
        present = 0
        if isinstance(raw.get("numerical_statistics"), Mapping):
            s = raw["numerical_statistics"]
            present, missing = _common(where, s, item_count)
            numeric = NumericStats(
                num_present=present,
                num_missing=missing,
                mean=_float(f"{where} mean", s.get("mean")),
                sum=_float(f"{where} sum", s.get("sum")),
                std_dev=_float(f"{where} std_dev", s.get("std_dev")),
                min=_float(f"{where} min", s.get("min")),
                max=_float(f"{where} max", s.get("max")),
                distribution=_kll(where, s.get("distribution")),
            )
        elif isinstance(raw.get("string_statistics"), Mapping):
            s = raw["string_statistics"]
            present, missing = _common(where, s, item_count)
            cat = (s.get("distribution") or {}).get("categorical") or {}
            buckets = None
            if isinstance(cat.get("buckets"), list):
                buckets = tuple(
                    (str(b.get("value")), round(_float(f"{where} bucket", b.get("count"))))
                    for b in cat["buckets"]
                )
            string = StringStats(
                present,
                missing,
                _float(f"{where} distinct_count", s.get("distinct_count")),
                buckets,
            )
        features.append(
            FeatureProfile(
                name=raw["name"],
                inferred_type=str(raw.get("inferred_type", UNKNOWN)),
                completeness=present / item_count if item_count else 0.0,
                type_counts={},
                numeric=numeric,
                string=string,
            )
        )
    return DatasetProfile(item_count=item_count, features=tuple(features))
