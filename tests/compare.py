"""Comparing two runs' statistics: equal to a relative tolerance, KLL sketches within their
rank error (two partition layouts of the same data merge their sketches differently)."""

from __future__ import annotations

import json
import math
from typing import Any


def without_sketches(doc: dict[str, Any]) -> dict[str, Any]:
    for feature in doc["features"]:
        feature.get("numerical_statistics", {}).pop("distribution", None)
    return doc


def assert_close(a: Any, b: Any, rel: float, where: str = "") -> None:
    """Equal structures; numbers equal to ``rel`` relative (0: exactly)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, sorted(a.keys() ^ b.keys()))
        for key in a:
            assert_close(a[key], b[key], rel, f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, rel, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), (where, a, b)
        assert math.isclose(a, b, rel_tol=rel, abs_tol=rel * 1e-3), (where, a, b)
    else:
        assert a == b, (where, a, b)


def assert_same_statistics(
    a: bytes | str, b: bytes | str, rank_error: float = 0.01, rel: float = 0.0
) -> None:
    """Equal to ``rel`` but for the KLL sketch contents; every bucket count must agree
    within ``rank_error`` of the count (the sketch's own error is ~0.2% at k=2048)."""
    first, second = json.loads(a), json.loads(b)
    for f1, f2 in zip(first["features"], second["features"], strict=True):
        k1 = f1.get("numerical_statistics", {}).get("distribution", {}).get("kll")
        k2 = f2.get("numerical_statistics", {}).get("distribution", {}).get("kll")
        assert (k1 is None) == (k2 is None), f1["name"]
        if k1 is None:
            continue
        n = f1["numerical_statistics"]["common"]["num_present"]
        for b1, b2 in zip(k1["buckets"], k2["buckets"], strict=True):
            assert_close(
                (b1["lower_bound"], b1["upper_bound"]), (b2["lower_bound"], b2["upper_bound"]), rel
            )
            assert abs(b1["count"] - b2["count"]) <= rank_error * n, (f1["name"], b1, b2)
    assert_close(without_sketches(first), without_sketches(second), rel)
