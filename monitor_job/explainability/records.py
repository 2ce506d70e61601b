"""The records an explainability run explains: a dataset (CSV, JSON Lines, Parquet) or the
endpoint's input in captures, decoded as data quality decodes them (``preprocess_handler``
included), named by Clarify's ``headers``, without the ``label`` column, as one array of
numbers per record. A record that could not be decoded, or holds a value that is not a
number, is counted by reason (Kernel SHAP explains numeric features)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from monitor_job.clarify.dataset import has_header_row, named_columns
from monitor_job.clarify.jsonlines import JSONLINES
from monitor_job.contract import JobConfig
from monitor_job.decode import RAW, REASON, SKIPPED_REASONS, Decoded, decode_dataset, jmespaths
from monitor_job.errors import ConfigError, EmptyInputError, InputDataError, MonitorJobError
from monitor_job.explainability.analysis import ID, VECTOR
from monitor_job.explainability.config import ExplainConfig
from monitor_job.io.listing import InputListing
from monitor_job.io.staging import readable_by_spark
from monitor_job.runtime.files import input_bytes, text_lines
from monitor_job.runtime.spark import size_shuffles

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger("monitor_job")
NOT_NUMERIC = "feature value is not a number"
SAMPLES = 5


@dataclass
class Records:
    frame: DataFrame  # ID, VECTOR, read from ``cached``
    cached: DataFrame  # every decoded record, persisted: decoded once, read again
    names: tuple[str, ...]
    count: int
    failed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    samples: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    sample: str | None = None  # what was explained, when a sample of the records was


def _enough(
    good: int,
    failed: dict[str, int],
    samples: tuple[tuple[str, str], ...],
    listing: InputListing,
    share: float,
) -> None:
    """Records to explain, and not more than the allowed share of them failed."""
    bad = sum(failed.values())
    if good + bad == 0:
        raise EmptyInputError(f"no records to explain{listing.window()}: {listing.describe()}")
    if bad / (good + bad) > share:
        example = f"; e.g. {samples[0][1][:200]!r}" if samples else ""
        raise InputDataError(
            f"{bad} of {good + bad} records could not be explained ("
            + ", ".join(f"{n} {r}" for r, n in sorted(failed.items()))
            + f"); more than max_bad_record_share={share}{example}"
        )
    if good == 0:
        raise EmptyInputError(f"no records to explain: all {bad} failed")


def job_format(config: JobConfig, analysis: ExplainConfig) -> JobConfig:
    """The dataset format as Clarify reads it: a CSV's header row unless ``headers`` are
    given; of captures, the endpoint's input."""
    fmt = config.dataset_format
    if fmt.kind == "csv":
        fmt = replace(fmt, header=has_header_row(analysis.headers))
    elif fmt.is_capture:
        fmt = replace(fmt, capture_indices=("endpointInput",))
    return replace(config, dataset_format=fmt)


def read_jsonlines(spark: SparkSession, files: list[str], analysis: ExplainConfig) -> Decoded:
    """Clarify's JSON Lines dataset: the list at the ``features`` JMESPath of each line as
    ``c0..`` (named by ``headers``, else by position), as the decoder leaves a dataset; a
    line without a list of the first line's width fails with a reason."""
    from pyspark.sql import functions as F

    assert analysis.features is not None
    lines = text_lines(spark, files)
    items = jmespaths.values(F.col("value"), analysis.features, "analysis_config: features")
    sizes = [r[0] for r in lines.select(F.size(items)).limit(200).collect() if r[0] > 0]
    if not sizes:
        raise EmptyInputError(f"no line has a features list at {analysis.features!r}")
    width = sizes[0]
    names = tuple((analysis.headers or ())[:width]) or tuple(str(i) for i in range(width))
    if len(names) != width:
        raise ConfigError(
            f"analysis_config: headers name {len(names)} features; the lists have {width}"
        )
    good = items.isNotNull() & (F.size(items) == width)
    frame = lines.select(
        *(F.when(good, items[i]).alias(f"c{i}") for i in range(width)),
        F.when(~good, F.lit(f"no features list of {width} values")).alias(REASON),
        F.when(~good, F.col("value")).alias(RAW),
    )
    return Decoded(frame, names, (f"JSON Lines: features at {analysis.features!r}",))


def read_records(
    spark: SparkSession, config: JobConfig, analysis: ExplainConfig, listing: InputListing
) -> Records:
    from pyspark.sql import functions as F

    with readable_by_spark(spark, listing) as readable:
        size_shuffles(spark, input_bytes(readable.files))
        if analysis.dataset_type == JSONLINES:
            decoded = read_jsonlines(spark, list(readable.files), analysis)
            names = decoded.names
        else:
            decoded = decode_dataset(spark, job_format(config, analysis), readable)
            where = f"the dataset {listing.source}"
            names = named_columns(decoded.names, analysis.headers, where)
        keep = [i for i, n in enumerate(names) if n != analysis.label]
        if not keep:
            raise ConfigError("analysis_config: no feature columns besides the label")
        columns = [F.col(f"c{i}") for i in keep]
        numbers = [F.expr(f"try_cast(trim(c{i}) AS DOUBLE)") for i in keep]
        vector = F.array(*numbers)
        infinite = F.lit(float("inf"))
        not_numeric = F.exists(vector, lambda v: v.isNull() | F.isnan(v) | (F.abs(v) == infinite))
        reason = F.coalesce(F.col(REASON), F.when(not_numeric, F.lit(NOT_NUMERIC)))
        # the record as read, kept for a failed one only (a sample of the failures)
        sample = F.when(reason.isNotNull(), F.coalesce(F.col(RAW), F.concat_ws(",", *columns)))
        rows = decoded.frame.select(reason.alias(REASON), vector.alias(VECTOR), sample.alias(RAW))
        rows = rows.withColumn(ID, F.monotonically_increasing_id()).persist()
        counts = {
            r[REASON]: r["n"] for r in rows.groupBy(REASON).agg(F.count("*").alias("n")).collect()
        }
    good = counts.pop(None, 0)
    failed = {r: n for r, n in counts.items() if r not in SKIPPED_REASONS}
    skipped = {r: n for r, n in counts.items() if r in SKIPPED_REASONS}
    samples: tuple[tuple[str, str], ...] = ()
    if failed and config.failed_record_samples:
        shown = F.col(REASON).isin(*failed)
        samples = tuple(
            (r[REASON], str(r[RAW]))
            for r in rows.where(shown).select(REASON, RAW).limit(SAMPLES).collect()
        )
    for why, n in sorted(failed.items()):
        log.warning("records failed: %d x %s", n, why)
    try:
        _enough(good, failed, samples, listing, config.max_bad_record_share)
    except MonitorJobError:
        rows.unpersist()  # nothing to explain: the decoded records are not needed
        raise
    frame = rows.where(F.col(REASON).isNull()).select(ID, VECTOR)
    return Records(
        frame,
        rows,
        tuple(names[i] for i in keep),
        good,
        failed,
        skipped,
        samples,
        (listing.describe(), *decoded.notes),
    )


# A record's place in the sample: the top 53 bits of its values' XXH64 with the seed, a
# double without rounding (runtime/order.py finds the cut exactly).
_DRAW = "_draw"


def sampled(records: Records, size: int | None, seed: int) -> Records:
    """``records`` itself, or a seeded sample of ``size`` of them when there are more
    (``methods.shap.sample_size``, ours): the records of smallest draw, a hash of the values
    and the seed, so the same records on any partition layout and in every rerun; identical
    records tie and are in or out together. The cut is the ``size``-th smallest draw, found
    exactly by Spark (:mod:`~monitor_job.runtime.order`); no record is collected."""
    from pyspark.sql import functions as F

    from monitor_job.runtime.order import smallest

    if size is None or records.count <= size:
        return records
    draw = F.shiftrightunsigned(F.xxhash64(VECTOR, F.lit(seed)), 11).cast("double")
    drawn = records.frame.withColumn(_DRAW, draw)
    frame = smallest(drawn, _DRAW, size, records.count).drop(_DRAW)
    count = frame.count()
    note = (
        f"explained a seeded sample of {count} of {records.count} records "
        f"(methods.shap.sample_size {size}, seed {seed})"
    )
    log.info("%s", note)
    return replace(records, frame=frame, count=count, notes=(*records.notes, note), sample=note)
