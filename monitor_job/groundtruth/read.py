"""The records of a run that merges predictions with labels (model quality, bias): a
labelled table, captures merged here with ground truth, or merged records, as one frame
of predictions and labels with the merge's counts."""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING

from monitor_job.contract import JobConfig
from monitor_job.decode.tabular import read_tabular
from monitor_job.errors import EmptyInputError
from monitor_job.groundtruth.batch import labelled_from_batch
from monitor_job.groundtruth.captures import labelled_from_captures
from monitor_job.groundtruth.records import Attributes, Labelled, labelled_from_table
from monitor_job.io import list_dataset, list_input
from monitor_job.io.staging import readable_by_spark
from monitor_job.runtime.files import input_bytes
from monitor_job.runtime.spark import size_shuffles

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def read_labelled(
    spark: SparkSession, config: JobConfig, features: bool = False
) -> tuple[Labelled, list[str]]:
    """Predictions and labels from the run's input (a labelled table, captures merged with
    ground truth here, or merged records); with ``features`` (bias), each captured row's
    endpointInput values too. A merge that matched nothing is an ``EmptyInputError``."""
    attrs = Attributes(
        config.inference_attribute,
        config.probability_attribute,
        config.ground_truth_attribute,
        config.features_attribute,
    )
    fmt = config.dataset_format
    listing = list_dataset(config.dataset_source, fmt, config.start_time, config.end_time)
    log.info("input%s: %s", listing.window(), listing.describe())
    notes = [listing.describe(), *([listing.refusals()] if listing.refused else [])]
    notes += listing.notes
    if not listing.files:
        raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    with ExitStack() as stack:
        readable = stack.enter_context(readable_by_spark(spark, listing))
        if not fmt.is_capture and fmt.batch is None:
            size_shuffles(spark, input_bytes(readable.files))
            frame, names = read_tabular(spark, fmt, list(readable.files))
            # Decoded, cached and counted inside: nothing reads the files after this block.
            return _samples_kept(config, labelled_from_table(frame, names, attrs)), notes
        label_files: list[str] | None = None
        if not fmt.is_merged:
            assert config.ground_truth_source is not None
            truth = list_input(config.ground_truth_source, config.start_time, config.end_time)
            log.info("ground truth%s: %s", truth.window(), truth.describe())
            notes.append(f"ground truth: {truth.describe()}")
            if truth.refused:
                notes.append(f"ground truth: {truth.refusals()}")
            if not truth.files:
                raise EmptyInputError(
                    f"no ground truth{truth.window()} to merge with: {truth.describe()}"
                )
            label_files = list(stack.enter_context(readable_by_spark(spark, truth)).files)
        size_shuffles(spark, input_bytes([*readable.files, *(label_files or [])]))
        # Captures, labels and their join are cached and counted inside: staging may go.
        if fmt.batch is not None:  # the transform's outputs (paired with inputs or alone)
            outputs = list(readable.paired or readable.files)
            labelled = labelled_from_batch(
                spark, outputs, label_files or [], attrs, fmt.batch, features
            )
        else:
            labelled = labelled_from_captures(
                spark,
                list(readable.files),
                label_files,
                attrs,
                config.start_time,
                config.end_time,
                features,
                config.record_preprocessor_script,
            )
    merge = labelled.merge
    if merge is not None:
        log.info("merge: %s", merge.document())
        if merge.matched == 0:
            raise EmptyInputError(
                "no captured prediction has ground truth to merge with: "
                f"{merge.captured} captured row(s), {merge.ground_truth} ground-truth row(s), "
                "0 matched on event id (inferenceId, else eventId)"
            )
    return _samples_kept(config, labelled), notes


def _samples_kept(config: JobConfig, labelled: Labelled) -> Labelled:
    """Failed records' samples only where ``failed_record_samples`` allows them."""
    return labelled if config.failed_record_samples else replace(labelled, samples=())
