"""Make listed S3 input readable by Spark: directly, or staged to local disk with boto3.

On a cluster with its own S3 filesystem (EMRFS on EMR, S3A with hadoop-aws, which `make
setup` and the image bring) the executors read the objects directly, wherever they run;
in local mode (and without such a filesystem) they are downloaded in parallel, straight to
disk (spill-safe: nothing is held in memory), into a staging directory
(``MONITOR_JOB_STAGING_DIR`` or the system temp dir) that is removed when the analysis is
done. Staging needs the driver's disk to be readable by the executors: local mode, a
single SageMaker instance, or a shared filesystem.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from monitor_job.errors import InputDataError, raise_if_stopped
from monitor_job.io import s3
from monitor_job.io.listing import InputListing, local_stats

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def _local(spark: SparkSession) -> bool:
    """Spark runs in one process here: its executor shares the driver's disk."""
    return str(spark.sparkContext.master).startswith("local")


def spark_s3_scheme(spark: SparkSession) -> tuple[str, str] | None:
    """(scheme, filesystem class) of the S3 filesystem Spark reads the input with, or None
    to stage it. ``MONITOR_JOB_S3_READ``: ``stage``, ``direct``, or ``auto`` (the default):
    staged in local mode (the executor shares the driver's disk: no second client), read
    directly on a cluster, whose executors may run on hosts that cannot see the driver's
    disk (EMRFS's ``s3``, or S3A from the jars ``make setup`` and the image fetch)."""
    mode = os.environ.get("MONITOR_JOB_S3_READ", "auto")
    if mode == "stage" or (mode == "auto" and _local(spark)):
        return None
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for scheme in ("s3", "s3a"):
        try:
            cls = jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, conf)
        except Exception as err:  # py4j error: no filesystem for the scheme
            raise_if_stopped(err)
            continue
        return scheme, str(cls.getName())
    return None


def _stage(listing: InputListing, root: Path) -> tuple[list[str], list[str], list[str]]:
    """(local files, their local pairs, the objects gone before they were read); a pair
    with a member gone is left out whole."""
    uris = [*listing.files, *listing.paired]
    staged = [u for u in uris if s3.is_s3(u)]
    local, gone = s3.stage(staged, root)
    gone_set = set(gone)
    fetched = iter(local)  # in the order of ``staged``, without the gone ones
    where: dict[str, str | None] = {u: u for u in uris}
    for uri in staged:
        where[uri] = None if uri in gone_set else next(fetched)
    if not listing.paired:
        return [f for u in listing.files if (f := where[u]) is not None], [], gone
    kept = [
        (i, o)
        for i, o in (
            (where[a], where[b]) for a, b in zip(listing.files, listing.paired, strict=True)
        )
        if i is not None and o is not None
    ]
    return [i for i, _ in kept], [o for _, o in kept], gone


def _why_staged(spark: SparkSession) -> str:
    if os.environ.get("MONITOR_JOB_S3_READ") == "stage":
        return "MONITOR_JOB_S3_READ=stage"
    return "local mode" if _local(spark) else "no S3 filesystem in this Spark"


@contextmanager
def readable_by_spark(spark: SparkSession, listing: InputListing) -> Iterator[InputListing]:
    if not any(s3.is_s3(f) for f in (*listing.files, *listing.paired)):
        yield listing
        return
    direct = spark_s3_scheme(spark)
    if direct is not None:
        scheme, fs = direct
        log.info("S3 input read directly by Spark's %s filesystem (%s)", scheme, fs)

        def named(files: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(f"{scheme}://{f[len(s3.SCHEME) :]}" if s3.is_s3(f) else f for f in files)

        yield replace(listing, files=named(listing.files), paired=named(listing.paired))
        return
    if not _local(spark):
        log.warning(
            "S3 input staged on the driver's disk although Spark runs on a cluster (%s): "
            "executors on other hosts cannot read it; add an S3 filesystem (S3A: `make "
            "setup` fetches its jars) or share the staging directory",
            spark.sparkContext.master,
        )
    root = tempfile.mkdtemp(
        prefix="monitor-job-input-", dir=os.environ.get("MONITOR_JOB_STAGING_DIR")
    )
    try:
        local, paired, gone = _stage(listing, Path(root))
        for uri in gone:
            log.warning("input object listed but gone before it was read, skipped: %s", uri)
        if gone and not local:
            raise InputDataError(
                f"dataset_source {listing.source}: all {len(gone)} listed object(s) were gone "
                "(deleted or expired) before they could be read"
            )
        stats = local_stats(local)
        log.info(
            "S3 input staged with boto3 (%s): %d object(s), %.1f MB, to %s",
            _why_staged(spark),
            len(local),
            sum(size for size, _ in stats) / 1e6,
            root,
        )
        yield replace(
            listing, files=tuple(local), gone=tuple(gone), stats=stats, paired=tuple(paired)
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
