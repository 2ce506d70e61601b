"""Shared plumbing: find and read the input: local paths and S3 prefixes, capture hour
partitions, time-window pruning, batch-transform manifests, staging for Spark, JSON
documents. Imports no monitor type."""

from __future__ import annotations

from datetime import datetime

from monitor_job.contract.formats import DatasetFormat
from monitor_job.io.listing import InputListing, list_input

__all__ = ["InputListing", "list_dataset", "list_input"]


def list_dataset(
    source: str, fmt: DatasetFormat, start: datetime | None, end: datetime | None
) -> InputListing:
    """The files of a run's dataset: under ``source``, or, for a batch transform's capture
    destination, the files its manifests in the window name."""
    if fmt.batch is not None:
        from monitor_job.io.manifests import resolve

        return resolve(source, fmt.batch.sides, start, end)
    return list_input(source, start, end)
