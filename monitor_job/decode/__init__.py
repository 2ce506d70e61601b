"""Shared plumbing: capture records and tabular datasets -> one flat DataFrame of string
columns.

Built-in decoders run as Spark SQL; a user's ``preprocess_handler`` runs in batches.
Every input record ends up decoded, skipped with a reason, or failed with a reason.
``monitor-job validate`` (a dry run of decoding) is :mod:`~monitor_job.decode.validate`.
Imports no monitor type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor_job.contract import AnalysisType, JobConfig
from monitor_job.decode.capture import RAW, REASON, SKIPPED_REASONS, decode_capture_records
from monitor_job.decode.layout import column_names, infer_layouts
from monitor_job.decode.preprocess import handler_columns, run_handler
from monitor_job.decode.sample import sample_lines
from monitor_job.decode.tabular import read_tabular
from monitor_job.errors import ConfigError, EmptyInputError, InputDataError
from monitor_job.io import InputListing
from monitor_job.runtime.files import text_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["RAW", "REASON", "SKIPPED_REASONS", "Decoded", "decode_dataset"]

SAMPLE_WHOLE = 5  # whole JSON documents a handler's columns are found from


@dataclass(frozen=True)
class Decoded:
    """Decoded rows (``c0..`` strings + reason + raw) and the feature names by position."""

    frame: DataFrame
    names: tuple[str, ...]
    notes: tuple[str, ...] = ()


def decode_dataset(spark: SparkSession, config: JobConfig, listing: InputListing) -> Decoded:
    """Decode the listed files according to ``dataset_format`` (and the handler, if any),
    without the columns ``exclude_features_attribute`` names (data quality)."""
    decoded = _decoded(spark, config, listing)
    if config.exclude_features and config.analysis_type is AnalysisType.DATA_QUALITY:
        return excluded(decoded, config.exclude_features)
    return decoded


def excluded(decoded: Decoded, names: tuple[str, ...]) -> Decoded:
    """The decoded columns but those named (by name, or by 0-based index); a name that is
    not a column fails the run, naming the columns there are."""
    from pyspark.sql import functions as F

    gone: set[int] = set()
    for name in names:
        if name in decoded.names:
            gone.add(decoded.names.index(name))
        elif name.isdigit() and int(name) < len(decoded.names):
            gone.add(int(name))
        else:
            shown = ", ".join(decoded.names[:50]) + (" ..." if len(decoded.names) > 50 else "")
            raise InputDataError(
                f"exclude_features_attribute names {name[:100]!r}, which is not a column "
                f"(the columns: {shown}; or an index below {len(decoded.names)})"
            )
    kept = [i for i in range(len(decoded.names)) if i not in gone]
    if not kept:
        raise InputDataError("exclude_features_attribute leaves no column to analyse")
    frame = decoded.frame.select(
        *(F.col(f"c{i}").alias(f"c{k}") for k, i in enumerate(kept)), REASON, RAW
    )
    left = ", ".join(decoded.names[i] for i in sorted(gone))
    note = f"exclude_features_attribute: {len(gone)} column(s) left out ({left})"
    return Decoded(frame, tuple(decoded.names[i] for i in kept), (*decoded.notes, note))


def _decoded(spark: SparkSession, config: JobConfig, listing: InputListing) -> Decoded:
    fmt = config.dataset_format
    files = list(listing.files)
    if not files:
        raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    script = config.record_preprocessor_script
    if script:
        # a batch transform's record is its file's: a str for a CSV row, a dict for JSON
        kind = "capture" if fmt.is_capture else (fmt.batch.data if fmt.batch else fmt).kind
        if kind == "parquet":
            raise ConfigError(
                "record_preprocessor_script works with sagemakerCaptureJson, csv and json "
                "datasets, not parquet"
            )
        # JSON documents (SplitType=None): a record is a whole file
        if fmt.batch is not None and fmt.batch.data.is_documents:
            lines = spark.read.text(files, wholetext=True)
            sample = [str(r[0]) for r in lines.limit(SAMPLE_WHOLE).collect()]
        else:
            lines, sample = text_lines(spark, files), sample_lines(spark, files)
        spec, names = handler_columns(script, kind, sample, listing.source)
        frame = run_handler(lines, spec, names, config.start_time, config.end_time)
        return Decoded(frame, names, (f"preprocess_handler from {script}: columns {list(names)}",))
    if fmt.is_capture:
        sample = sample_lines(spark, files)
        if not sample:
            raise EmptyInputError(f"capture files under {listing.source} hold no lines")
        layouts = infer_layouts(sample, fmt.capture_indices)
        missing = [i for i in fmt.capture_indices if i not in layouts]
        if missing:
            raise InputDataError(
                f"cannot decode {', '.join(missing)} in any of the first {len(sample)} capture "
                "records (expected CSV, JSON or BASE64 payloads holding tabular data); "
                "use a record_preprocessor_script for other shapes"
            )
        ordered = {i: layouts[i] for i in fmt.capture_indices}
        frame, _ = decode_capture_records(
            text_lines(spark, files), ordered, config.start_time, config.end_time
        )
        names = column_names(ordered.values())
        note = ", ".join(f"{i}: {lay.kind} x{lay.width}" for i, lay in ordered.items())
        return Decoded(frame, names, (f"capture layout {note}",))
    if fmt.batch is not None:
        from monitor_job.decode.batch import read_batch, read_pairs
        from monitor_job.decode.documents import read_documents

        if fmt.batch.data.is_documents or (fmt.batch.data.kind == "json" and listing.paired):
            frame, names, notes = read_documents(spark, fmt.batch, files, list(listing.paired))
        elif listing.paired:
            frame, names, notes = read_pairs(spark, fmt.batch, files, list(listing.paired))
        else:
            frame, names, notes = read_batch(spark, fmt.batch, files)
        return Decoded(frame, names, notes)
    frame, names = read_tabular(spark, fmt, files)
    return Decoded(frame, names)
