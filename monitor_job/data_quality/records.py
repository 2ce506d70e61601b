"""Data quality's records: list, decode and profile the input of a run, shared by the
baseline and monitoring jobs; too many bad records fail the run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from monitor_job.contract import JobConfig
from monitor_job.contract.custom_checks import CheckFile, check_columns
from monitor_job.data_quality import custom
from monitor_job.data_quality.analysis import FAILURE_SAMPLES, observed_profile
from monitor_job.data_quality.baseline import Baseline, align_names, profile_hints
from monitor_job.data_quality.profile import DatasetProfile
from monitor_job.decode import decode_dataset
from monitor_job.errors import EmptyInputError, InputDataError
from monitor_job.io import list_dataset
from monitor_job.io.listing import InputListing
from monitor_job.io.staging import readable_by_spark
from monitor_job.runtime.files import input_bytes
from monitor_job.runtime.progress import set_phase
from monitor_job.runtime.spark import size_shuffles

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def check_bad_records(config: JobConfig, prof: DatasetProfile) -> None:
    """Log failures by reason; fail when more than the allowed share of records is bad."""
    failed = sum(prof.records_failed.values())
    for reason, count in sorted(prof.records_failed.items()):
        log.warning("records failed: %d x %s", count, reason)
    for reason, count in sorted(prof.records_skipped.items()):
        log.info("records skipped: %d x %s", count, reason)
    for reason, raw in prof.failure_samples:
        log.warning("sample failed record (%s): %s", reason, raw[:300])
    total = failed + prof.item_count
    if total and failed / total > config.max_bad_record_share:
        counts = ", ".join(f"{n} {r}" for r, n in sorted(prof.records_failed.items()))
        raise InputDataError(
            f"{failed} of {total} records could not be decoded ({counts}); more than the "
            f"allowed share max_bad_record_share={config.max_bad_record_share}"
        )


def analyse(
    spark: SparkSession,
    config: JobConfig,
    baseline: Baseline | None = None,
    listing: InputListing | None = None,
    checks: CheckFile | None = None,
) -> tuple[DatasetProfile, tuple[str, ...], tuple[custom.CheckValue, ...]]:
    """List (unless the caller did, before Spark started), decode and profile the dataset
    of a run; with a ``baseline`` (monitoring), the window's columns take the baseline's
    names and the profile collects what checks need. The custom ``checks`` ride on the
    profile's scan in a monitoring run (typed by the baseline), and get a scan after the
    profile in a baseline run (typed by the profile)."""
    if listing is None:
        set_phase("listing input")
        listing = list_dataset(
            config.dataset_source, config.dataset_format, config.start_time, config.end_time
        )
    log.info("input%s: %s", listing.window(), listing.describe())
    for prefix in listing.searched:
        log.info("read hour prefix %s", prefix)
    set_phase("sampling the layout")
    with readable_by_spark(spark, listing) as readable:
        size_shuffles(spark, input_bytes(readable.files))
        decoded = decode_dataset(spark, config, readable)
        notes = list(decoded.notes)
        if readable.gone:
            shown = ", ".join(readable.gone[:5]) + (" ..." if len(readable.gone) > 5 else "")
            notes.append(
                f"{len(readable.gone)} listed object(s) gone before they were read, "
                f"skipped: {shown}"
            )
        if readable.refused:
            notes.append(readable.refusals())
        notes.extend(readable.notes)
        names, hints = decoded.names, None
        if baseline is not None:
            names = align_names(baseline, decoded.names)
            if names != decoded.names:
                notes.append(f"positional columns named by the baseline: {list(names)}")
            hints = profile_hints(baseline, names)
        for note in notes:
            log.info("%s", note)
        set_phase("decoding and profiling")
        samples = FAILURE_SAMPLES if config.failed_record_samples else 0
        frame, columns, plan = decoded.frame, None, None
        if checks is not None and checks.checks and baseline is not None:
            types = baseline.statistics.inferred_types()
            check_columns(checks, names, types or None)
            plan = custom.CheckPlan(spark, checks, names, types)
            typed = plan.typed(decoded.frame)
            frame, columns = plan.observe(typed), plan.columns
        prof, row = observed_profile(
            spark, frame, names, hints, samples, columns, custom.OBSERVED if plan else None
        )
        values: tuple[custom.CheckValue, ...] = ()
        if plan is not None:
            set_phase("custom checks")
            values = plan.finish(row, typed, prof)
        elif checks is not None and checks.checks and prof.item_count:
            check_columns(checks, names, prof.inferred_types())
            set_phase("custom checks")
            values = custom.evaluate_after(spark, checks, decoded.frame, prof)
    check_bad_records(config, prof)
    if prof.item_count == 0:
        raise EmptyInputError(
            f"no data{listing.window()}: {listing.describe()}, "
            f"skipped {sum(prof.records_skipped.values())} record(s)"
        )
    return prof, (listing.describe(), *notes), values
