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

from pyspark.sql import Column, Observation
from pyspark.sql import functions as F

from monitor_job.contract import config_from_mapping
from monitor_job.data_quality.datatypes import numeric_value
from monitor_job.decode import RAW, REASON, decode_dataset
from monitor_job.decode.capture import CAPTURE_SCHEMA
from monitor_job.io import list_input
from monitor_job.runtime.spark import build_session

# The module, not the function the package exports under the same name.
profile_module = importlib.import_module("monitor_job.data_quality.analysis")


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
    frame, width = decoded.frame, len(decoded.names)
    timed(
        "decode (every column materialised)",
        lambda: frame.agg(*map(F.count, frame.columns)).collect(),
    )
    typed = frame.select(
        *[F.col(f"c{i}") for i in range(width)],
        *[numeric_value(F.col(f"c{i}")).alias(f"n{i}") for i in range(width)],
        REASON,
        RAW,
    )
    timed(
        "+ numbers by Deequ's rule (regex + cast)",
        lambda: typed.agg(*[F.count(f"n{i}") for i in range(width)]).collect(),
    )
    hints = profile_module.ProfileHints()
    analyzers = profile_module._deequ_analyzers(width, hints)
    extremes = profile_module._extremes(width)
    timed(
        "+ Deequ Size/Completeness/Mean/Sum/StdDev, Spark min/max",
        lambda: profile_module.run_scan_shareable(spark, typed, analyzers, extremes),
    )

    def observed() -> None:
        observation = Observation("bench")
        aggregate: Column = profile_module._observed(spark, width)
        profile_module.run_scan_shareable(
            spark, typed.observe(observation, aggregate), analyzers, extremes
        )
        observation.get  # noqa: B018 (waits for the observed result)

    timed("+ observed: types, value counts / HLL, KLL, reasons", observed)
    timed(
        "the profile as the job runs it (all of the above)",
        lambda: profile_module.profile(spark, frame, decoded.names),
    )


if __name__ == "__main__":
    main()
