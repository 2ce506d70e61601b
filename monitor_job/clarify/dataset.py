"""How Clarify reads a dataset's columns: a CSV has a header row unless the analysis
config's ``headers`` name its columns; ``headers`` then name them in order."""

from __future__ import annotations

from collections.abc import Sequence

from monitor_job.errors import ConfigError


def has_header_row(headers: Sequence[str] | None) -> bool:
    return headers is None


def named_columns(
    found: Sequence[str], headers: Sequence[str] | None, where: str
) -> tuple[str, ...]:
    """The dataset's columns as the analysis names them."""
    if headers is None:
        return tuple(found)
    if len(headers) != len(found):
        raise ConfigError(
            f"analysis_config: headers name {len(headers)} columns, {where} has {len(found)}"
        )
    return tuple(headers)
