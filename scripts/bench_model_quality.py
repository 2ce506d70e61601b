"""Model-quality baselines on N labelled rows against a bare CSV scan, in one warm session.

Writes (once, seeded) ``bench-data/mq-<N>/binary.csv`` (probability with ~N distinct
values, prediction, label) and ``regression.csv``, then for each: the bare scan (header
CSV read, every column cast, count), and the model-quality baseline job (read, per-row
accounting, metrics with the 5 standard-deviation samples, files). Prints seconds, rows/s
and the ratio to the scan.

    .venv/bin/python scripts/bench_model_quality.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import functions as F

from monitor_job.contract import config_from_mapping
from monitor_job.model_quality.job import run_model_quality
from monitor_job.outputs.area import output_area
from monitor_job.runtime.spark import build_session


def make_data(root: Path, rows: int) -> None:
    if (root / "regression.csv").exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    label = (rng.uniform(size=rows) < 0.3).astype(int)
    probability = np.clip(0.4 * label + rng.uniform(0.0, 0.6, rows), 0.0, 1.0)
    pd.DataFrame(
        {"probability": probability, "prediction": (probability >= 0.5).astype(int), "label": label}
    ).to_csv(root / "binary.csv", index=False)
    truth = rng.normal(50.0, 12.0, rows)
    pd.DataFrame({"prediction": truth + rng.normal(0.0, 3.0, rows), "label": truth}).to_csv(
        root / "regression.csv", index=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path("bench-data") / f"mq-{args.rows}"
    make_data(root, args.rows)
    spark = build_session()
    spark.range(10).count()  # JVM and session start are not timed
    cases = (
        (
            "binary.csv",
            {
                "problem_type": "BinaryClassification",
                "inference_attribute": "prediction",
                "probability_attribute": "probability",
            },
        ),
        ("regression.csv", {"problem_type": "Regression", "inference_attribute": "prediction"}),
    )
    print(f"machine: 2 cores; rows {args.rows:,}")
    for name, extra in cases:
        path = str(root / name)
        frame = spark.read.option("header", True).csv(path)
        scan_query = frame.select(*[F.col(c).cast("double") for c in frame.columns])
        scan_query.agg(F.count("*")).collect()  # warm the file cache
        start = time.perf_counter()
        scan_query.agg(*[F.count(c) for c in scan_query.columns]).collect()
        scan = time.perf_counter() - start
        config = config_from_mapping(
            {
                "dataset_format": {"csv": {"header": True}},
                "dataset_source": path,
                "output_path": str(Path("bench-output") / f"mq-{args.rows}" / name),
                "analysis_type": "MODEL_QUALITY",
                "ground_truth_attribute": "label",
                **extra,
            }
        )
        start = time.perf_counter()
        with output_area(config.output_path) as area:
            run_model_quality(spark, config, None, area)
        job = time.perf_counter() - start
        spark.catalog.clearCache()
        print(
            f"{extra['problem_type']:<22} scan {scan:6.2f} s   baseline {job:6.2f} s   "
            f"{args.rows / job:>10,.0f} rows/s   x{job / scan:5.1f} scan"
        )


if __name__ == "__main__":
    main()
