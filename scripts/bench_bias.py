"""The bias analysis (pre- and post-training, two facets, a group variable) on N labelled
rows against a bare CSV scan of the same rows, in one warm session.

Writes (once, seeded) ``bench-data/bias-<N>/records.csv`` with the demo's generator, then
times the bare scan (header CSV read, every column cast, a count per column) and the bias
analysis of ``configs/demo-bias-analysis_config.json`` (read, the one aggregation, the
metrics). Prints seconds, rows/s and the ratio to the scan.

    .venv/bin/python scripts/bench_bias.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from pyspark.sql import functions as F

from monitor_job.bias.analysis import run_bias_analysis
from monitor_job.bias.config import read_analysis_config
from monitor_job.runtime.spark import build_session

sys.path.insert(0, str(Path(__file__).parent))
from make_sample_data import bias_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ft-rows", type=int, default=100_000, help="rows of the FT timing")
    args = parser.parse_args()
    path = Path("bench-data") / f"bias-{args.rows}" / "records.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        bias_frame(args.rows, np.random.default_rng(5), 0.2).to_csv(path, index=False)
    config = read_analysis_config("configs/demo-bias-analysis_config.json")
    spark = build_session()
    spark.range(10).count()  # JVM and session start are not timed
    frame = spark.read.option("header", True).csv(str(path))
    scan_query = frame.select(*[F.col(c).cast("double") for c in frame.columns])
    scan_query.agg(F.count("*")).collect()  # warm the file cache
    start = time.perf_counter()
    scan_query.agg(*[F.count(c) for c in scan_query.columns]).collect()
    scan = time.perf_counter() - start
    start = time.perf_counter()
    run_bias_analysis(spark, config, str(path))
    job = time.perf_counter() - start
    print(f"machine: 2 cores; rows {args.rows:,}")
    print(
        f"bias (2 facets, pre+post) scan {scan:6.2f} s   analysis {job:6.2f} s   "
        f"{args.rows / job:>10,.0f} rows/s   x{job / scan:5.1f} scan"
    )
    flip(spark, args.ft_rows)


def flip(spark, rows: int) -> None:  # type: ignore[no-untyped-def]
    """The flip test (FT) alone: numeric features, the advantaged group's k-NN index on the
    driver, the disadvantaged records queried in tasks (monitor_job/bias/flip.py)."""
    from monitor_job.bias.flip import flip_test

    rng = np.random.default_rng(9)
    female = rng.random(rows) < 0.4
    data = {f"x{i}": rng.normal(0, 1, rows).round(4) for i in range(5)}
    score = data["x0"] + 0.5 * data["x1"] - 0.3 * female + rng.normal(0, 0.5, rows)
    frame = spark.createDataFrame(
        [
            (bool(f), bool(s > 0), *(float(data[f"x{i}"][k]) for i in range(5)))
            for k, (f, s) in enumerate(zip(female, score, strict=True))
        ],
        "female boolean, pred boolean, " + ", ".join(f"x{i} double" for i in range(5)),
    ).cache()
    frame.count()
    start = time.perf_counter()
    value = flip_test(frame, [f"x{i}" for i in range(5)], F.col("female"), F.col("pred"))
    took = time.perf_counter() - start
    print(
        f"FT (k-NN, 5 neighbours, 5 features) on {rows:,} rows ({female.sum():,} disadvantaged): "
        f"{took:6.2f} s   FT = {value:.4f}"
    )


if __name__ == "__main__":
    main()
