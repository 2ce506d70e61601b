"""Shared plumbing: find and read the input: local paths and S3 prefixes, capture hour
partitions, time-window pruning, staging for Spark, JSON documents. Imports no monitor
type."""

from __future__ import annotations

from monitor_job.io.listing import InputListing, list_input

__all__ = ["InputListing", "list_input"]
