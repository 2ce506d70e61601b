"""Find the input: local paths, capture hour partitions, time-window pruning."""

from __future__ import annotations

from monitor_job.io.listing import InputListing, list_input

__all__ = ["InputListing", "list_input"]
