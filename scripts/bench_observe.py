"""What each Deequ aggregation costs when observed in a scan (custom checks, issue 38): 4M
cached rows of two numbers as text and a category, counted with and without
``Dataset.observe`` of each analyzer's aggregation functions (the columns typed by a cast,
as the job types them), in one warm session, three rounds.

    .venv/bin/python scripts/bench_observe.py [--rows 4000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor_job.runtime.spark import build_session


def main() -> None:
    from pyspark.sql import Column
    from pyspark.sql import functions as F

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    args = parser.parse_args()
    spark = build_session("monitor-job-bench")
    jvm = spark.sparkContext._jvm
    base = spark.range(0, args.rows, numPartitions=8).select(
        F.format_string("%.3f", F.rand(1) * 1000).alias("s1"),
        F.format_string("%.3f", F.rand(2) * 1000).alias("s2"),
        F.concat(F.lit("cat"), (F.col("id") % 7).cast("string")).alias("c"),
        F.lit(None).cast("string").alias("_mj_reason"),
    )
    base = base.cache()
    base.count()
    typed = base.select(
        "*", F.col("s1").cast("double").alias("a"), F.col("s2").cast("double").alias("b")
    )
    deequ = jvm.com.amazon.deequ.analyzers
    none = jvm.scala.Option.empty()
    good = jvm.scala.Some("`_mj_reason` IS NULL")
    nothing = jvm.scala.collection.immutable.List.empty()

    def aggregations(analyzer):  # type: ignore[no-untyped-def]
        functions = jvm.scala.collection.JavaConverters.seqAsJavaList(
            analyzer.aggregationFunctions()
        )
        return [Column(f) for f in functions]

    variants = {
        "none": [],
        "Size": aggregations(deequ.Size(good)),
        "Mean(cast)": aggregations(deequ.Mean("a", good)),
        "MaxLength": aggregations(deequ.MaxLength("c", good, none)),
        "ApproxCountDistinct": aggregations(deequ.ApproxCountDistinct("c", good)),
        "ApproxQuantile(cast)": aggregations(deequ.ApproxQuantile("a", 0.5, 0.01, good)),
        "Compliance(2 casts)": aggregations(
            deequ.Compliance("x", "a < b + 100", good, nothing, none)
        ),
    }
    for _ in range(3):
        shown = []
        for name, columns in variants.items():
            frame = typed.observe("o", *columns) if columns else typed
            execution = frame.select("s1")._jdf.queryExecution()
            start = time.perf_counter()
            execution.toRdd().count()
            shown.append(f"{name} {time.perf_counter() - start:.2f} s")
        print(", ".join(shown), flush=True)


if __name__ == "__main__":
    main()
