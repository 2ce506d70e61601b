"""Where a baseline's time goes: each Deequ analyzer family timed alone on the cached,
decoded frame of a benchmark dataset (run `make bench` first to generate the data).

    .venv/bin/python scripts/bench_profile.py bench-data/capture-100000
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyspark.sql import functions as F

from monitor_job.analyzers.types import numeric_value
from monitor_job.contract import config_from_mapping
from monitor_job.decode import REASON, decode_dataset
from monitor_job.io import list_input
from monitor_job.runtime.deequ import import_pydeequ
from monitor_job.runtime.spark import build_session


def main() -> None:
    spark = build_session("monitor-job-bench-profile")
    spark.range(1).count()
    config = config_from_mapping(
        {
            "dataset_format": {
                "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
            },
            "dataset_source": sys.argv[1],
            "output_path": "-",
        }
    )
    decoded = decode_dataset(spark, config, list_input(config.dataset_source))
    width = len(decoded.names)

    def timed(label: str, action) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        action()
        print(f"{label:<40} {time.perf_counter() - start:7.2f} s", flush=True)

    strings = [F.col(f"c{i}") for i in range(width)]
    timed(
        "decode (all columns, no cache)",
        lambda: decoded.frame.agg(*[F.max(c) for c in strings]).collect(),
    )
    cached = decoded.frame.select(
        *strings, *[numeric_value(c).alias(f"n{i}") for i, c in enumerate(strings)], REASON
    ).cache()
    timed("decode + parse numbers + cache fill", cached.count)
    typed = cached.where(F.col(REASON).isNull()).drop(REASON)
    an = import_pydeequ().analyzers

    def deequ(analyzers) -> None:  # type: ignore[no-untyped-def]
        runner = an.AnalysisRunner(spark).onData(typed)
        for analyzer in analyzers:
            runner = runner.addAnalyzer(analyzer)
        runner.run()

    nums = [f"n{i}" for i in range(width)]
    strs = [f"c{i}" for i in range(width)]
    timed(
        "Deequ Size + Completeness (strings)",
        lambda: deequ([an.Size(), *map(an.Completeness, strs)]),
    )
    timed("Deequ DataType", lambda: deequ(list(map(an.DataType, strs))))
    timed("Deequ ApproxCountDistinct", lambda: deequ(list(map(an.ApproxCountDistinct, strs))))
    timed(
        "Deequ Mean/Sum/StdDev/Min/Max/Completeness",
        lambda: deequ(
            [
                a(n)
                for n in nums
                for a in (
                    an.Mean,
                    an.Sum,
                    an.StandardDeviation,
                    an.Minimum,
                    an.Maximum,
                    an.Completeness,
                )
            ]
        ),
    )
    params = an.KLLParameters(spark, 2048, 0.64, 10)
    timed("Deequ KLLSketch (its own pass)", lambda: deequ([an.KLLSketch(n, params) for n in nums]))


if __name__ == "__main__":
    main()
