"""Type inference from Deequ's DataType histogram, to SageMaker's inferred_type vocabulary."""

from __future__ import annotations

from collections.abc import Mapping

INTEGRAL = "Integral"
FRACTIONAL = "Fractional"
STRING = "String"
UNKNOWN = "Unknown"
NUMERIC_TYPES = (INTEGRAL, FRACTIONAL)


def infer_type(counts: Mapping[str, float]) -> str:
    """``Unknown`` when nothing is present; ``String`` when most present values are not
    numbers (Deequ's String and Boolean); else ``Fractional`` if any value is, else ``Integral``.

    Deequ itself calls a column String as soon as one value is; the contract says a feature
    is String when its values are *mostly* non-numeric, so a few stray strings in a numeric
    column leave it numeric (and are counted as missing in its numerical statistics).
    """
    integral = counts.get(INTEGRAL, 0.0)
    fractional = counts.get(FRACTIONAL, 0.0)
    other = counts.get(STRING, 0.0) + counts.get("Boolean", 0.0)
    numeric = integral + fractional
    if numeric + other == 0:
        return UNKNOWN
    if other > numeric:
        return STRING
    return FRACTIONAL if fractional > 0 else INTEGRAL


def matches(baseline_type: str, value_type: str) -> bool:
    """Does a value of Deequ type ``value_type`` satisfy a baseline ``inferred_type``?

    Integral values satisfy a Fractional baseline (an integer is a valid real); anything
    satisfies String; Unknown baselines accept anything.
    """
    if baseline_type in (STRING, UNKNOWN):
        return True
    if baseline_type == FRACTIONAL:
        return value_type in NUMERIC_TYPES
    return value_type == INTEGRAL
