"""The run's input as Spark reads it: one file index per run, from the job's own listing.

``spark.read.text(files)`` checks that each path exists and then lists it again for its
file index, at every call; a run reads its input more than once (the decode, ground truth,
the preprocess handler's sample). :func:`text_lines` builds the index once from the
statuses the listing returned (``FileIndexes.java``) and keeps the DataFrame for the run.
Files no listing has seen (a caller's own paths) are read by ``spark.read.text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor_job.io.listing import listed_stats

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# The frames of the last runs' inputs, by (application, files, statuses).
_FRAMES: dict[tuple[object, ...], DataFrame] = {}
_KEPT = 8


def text_lines(spark: SparkSession, files: Sequence[str]) -> DataFrame:
    """The lines of ``files`` (one string column ``value``), the same frame for the same
    listed files in a session: their one file index."""
    from pyspark.sql import DataFrame

    names = tuple(files)
    stats = listed_stats(names)
    if stats is None:
        return spark.read.text(list(names))
    key = (spark.sparkContext.applicationId, names, stats)
    frame = _FRAMES.get(key)
    if frame is None:
        if len(_FRAMES) >= _KEPT:
            _FRAMES.clear()
        pairs = zip(names, stats, strict=True)
        listed = "".join(f"{name}\0{size}\0{time}\0" for name, (size, time) in pairs)
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        index = jvm.monitorjob.aggregates.FileIndexes
        frame = DataFrame(index.text(spark._jsparkSession, listed), spark)
        _FRAMES[key] = frame
    return frame


def input_bytes(files: Sequence[str]) -> int | None:
    """The listed size of ``files``, or None if one was not listed."""
    stats = listed_stats(tuple(files))
    return None if stats is None else sum(size for size, _ in stats)
