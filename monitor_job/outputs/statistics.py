"""statistics.json (data quality) from a :class:`DatasetProfile`.

Number types follow the closed container's files: ``version`` 0.0, counts in ``common``
as integers, every statistic and bucket count as a double.
"""

from __future__ import annotations

from typing import Any

from monitor_job.analyzers import DatasetProfile, FeatureProfile


def _feature(feature: FeatureProfile) -> dict[str, Any]:
    out: dict[str, Any] = {"name": feature.name, "inferred_type": feature.inferred_type}
    if feature.numeric is not None:
        s = feature.numeric
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
