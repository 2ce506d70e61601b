"""Where a baseline's time goes at the size users run: each step of the one-scan profile
added in turn, every step one Spark job over the same files, in one warm session (each
step runs twice; the second, JIT-warm time is printed). Generate the data first
(`make bench`, or scripts/make_bench_data.py).

    .venv/bin/python scripts/bench_profile.py bench-data/capture-1000000
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyspark.sql import functions as F

from monitor_job.contract import config_from_mapping
from monitor_job.decode import decode_dataset
from monitor_job.decode.capture import CAPTURE_SCHEMA
from monitor_job.io import list_input
from monitor_job.runtime.spark import build_session

# The module, not the function the package exports under the same name.
profile_module = importlib.import_module("monitor_job.data_quality.analysis")


def jvm_empty(spark):  # type: ignore[no-untyped-def]
    """An empty Column[] for Dataset.agg(Column, Column...) through py4j."""
    gateway = spark.sparkContext._gateway
    return gateway.new_array(spark.sparkContext._jvm.org.apache.spark.sql.Column, 0)


def timed(name: str, step: Callable[[], object]) -> None:
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    print(f"{name:<58} {seconds[-1]:6.1f} s   (cold {seconds[0]:.1f} s)", flush=True)


def main() -> None:
    spark = build_session("monitor-job-bench-profile")
    spark.range(1).count()
    data = sys.argv[1]
    config = config_from_mapping(
        {
            "dataset_format": {
                "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
            },
            "dataset_source": data,
            "output_path": "/tmp/monitor-job-bench-profile",
        }
    )
    listing = list_input(config.dataset_source, None, None)
    files = list(listing.files)
    both = (
        F.col("captureData.endpointInput.data").isNotNull()
        & F.col("captureData.endpointOutput.data").isNotNull()
    )
    timed(
        "bare scan (as make bench: both payloads read, count)",
        lambda: spark.read.schema(CAPTURE_SCHEMA).json(files).where(both).count(),
    )
    decoded = decode_dataset(spark, config, listing)
    frame = decoded.frame
    timed(
        "decode (every column materialised)",
        lambda: frame.agg(*map(F.count, frame.columns)).collect(),
    )
    spec = profile_module._spec(spark, decoded.names, profile_module.ProfileHints())
    aggregate = spark.sparkContext._jvm.monitorjob.aggregates.ProfileAggregator
    timed(
        "+ the analyzers' aggregate (states of every column, no metrics; the job's scan"
        " is StateTree's, timed in the next line with the metrics)",
        lambda: frame._jdf.agg(aggregate.of(spec), jvm_empty(spark)).collectAsList(),
    )
    timed(
        "the profile as the job runs it (all of the above)",
        lambda: profile_module.profile(spark, frame, decoded.names),
    )


if __name__ == "__main__":
    main()
