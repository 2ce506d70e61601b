"""`make bench`: monitor-job against a bare Spark scan and the alternatives, same files.

For each size, synthetic base64-CSV capture data (scripts/make_bench_data.py, cached under
bench-data/) is processed by, each in its own fresh process (so peak RSS is per variant):

  scan      bare Spark JSON scan with the capture schema, forced to read the payload
  baseline  the baseline job (monitor_job.data_quality.job.run_baseline)
  monitor   the monitoring job against that baseline, over the whole range
  naive     PySpark with Python per record (rdd.map: json + base64 + split) and the same
            summary statistics with DataFrame aggregations
  pandas    one process: json + base64 per line, pandas.read_csv, describe + value counts

Times exclude JVM start-up (measured from a warm session). Printed: records/s, the ratio
to the bare scan, peak RSS of the Python driver and of the JVM (driver + executors in
local mode). Results also go to bench-output/results.json.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ("scan", "baseline", "monitor", "naive", "pandas")
NUMERIC, CATEGORICAL = 20, 5


def rss_mb(pid: int | str = "self") -> float:
    """Peak resident set (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def capture_files(data: Path) -> list[str]:
    return sorted(str(p) for p in data.rglob("*.jsonl"))


def session():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO))
    from monitor_job.runtime.spark import build_session

    spark = build_session("monitor-job-bench")
    spark.range(1).count()  # warm up
    return spark


def jvm_pid(spark) -> int:  # type: ignore[no-untyped-def]
    return int(spark.sparkContext._jvm.ProcessHandle.current().pid())


def run_scan(data: Path, work: Path) -> dict[str, float]:
    from pyspark.sql import functions as F

    from monitor_job.decode.capture import CAPTURE_SCHEMA

    spark = session()
    t = time.perf_counter()
    frame = spark.read.schema(CAPTURE_SCHEMA).json(capture_files(data))
    n = frame.where(
        F.col("captureData.endpointInput.data").isNotNull()
        & F.col("captureData.endpointOutput.data").isNotNull()
    ).count()
    return {"seconds": time.perf_counter() - t, "records": n, "jvm_rss_mb": rss_mb(jvm_pid(spark))}


def _config(data: Path, out: Path, baseline: Path | None):  # type: ignore[no-untyped-def]
    from monitor_job.contract import config_from_mapping

    env = {
        "dataset_format": {
            "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
        },
        "dataset_source": str(data),
        "output_path": str(out),
    }
    if baseline is not None:
        env["baseline_statistics"] = str(baseline / "statistics.json")
        env["baseline_constraints"] = str(baseline / "constraints.json")
    return config_from_mapping(env)


def run_job(data: Path, work: Path, kind: str) -> dict[str, float]:
    from monitor_job.data_quality.baseline import load_baseline
    from monitor_job.data_quality.job import run_baseline, run_monitoring
    from monitor_job.outputs.area import OutputArea
    from monitor_job.report.charts import warm_up

    spark = session()
    out = work / kind
    if kind == "baseline":
        config = _config(data, out, None)
        t = time.perf_counter()
        warm_up()  # as `monitor-job` does when Spark starts: report.html is in the time
        outcome = run_baseline(spark, config, OutputArea(str(out), str(out)))
    else:
        config = _config(data, out, work / "baseline")
        t = time.perf_counter()
        warm_up()
        outcome = run_monitoring(
            spark, config, load_baseline(config), OutputArea(str(out), str(out))
        )
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "records": outcome.profile.item_count,
        "jvm_rss_mb": rss_mb(jvm_pid(spark)),
        "violations": outcome.violations,
    }


def _parse(line: str) -> list[object]:
    rec = json.loads(line)
    cap = rec["captureData"]
    out = base64.b64decode(cap["endpointOutput"]["data"]).decode()
    inp = base64.b64decode(cap["endpointInput"]["data"]).decode().split(",")
    return [float(out), *[float(v) for v in inp[:NUMERIC]], *inp[NUMERIC:]]


def run_naive(data: Path, work: Path) -> dict[str, float]:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = session()
    t = time.perf_counter()
    schema = T.StructType(
        [T.StructField("out", T.DoubleType())]
        + [T.StructField(f"n{i}", T.DoubleType()) for i in range(NUMERIC)]
        + [T.StructField(f"c{j}", T.StringType()) for j in range(CATEGORICAL)]
    )
    rdd = spark.sparkContext.textFile(",".join(capture_files(data))).map(_parse)
    frame = spark.createDataFrame(rdd, schema).cache()
    numeric = ["out", *[f"n{i}" for i in range(NUMERIC)]]
    aggs = []
    for c in numeric:
        aggs += [F.count(c), F.mean(c), F.stddev_pop(c), F.min(c), F.max(c), F.sum(c)]
    row = frame.agg(F.count(F.lit(1)).alias("n"), *aggs).collect()[0]
    frame.select(
        *[F.percentile_approx(c, [0.1 * k for k in range(1, 10)]) for c in numeric]
    ).collect()
    for j in range(CATEGORICAL):
        frame.groupBy(f"c{j}").count().collect()
    frame.unpersist()
    return {
        "seconds": time.perf_counter() - t,
        "records": row["n"],
        "jvm_rss_mb": rss_mb(jvm_pid(spark)),
    }


def run_pandas(data: Path, work: Path) -> dict[str, float]:
    import pandas as pd

    t = time.perf_counter()
    outputs, inputs = [], []
    for path in capture_files(data):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                cap = json.loads(line)["captureData"]
                outputs.append(base64.b64decode(cap["endpointOutput"]["data"]).decode())
                inputs.append(base64.b64decode(cap["endpointInput"]["data"]).decode())
    frame = pd.read_csv(io.StringIO("\n".join(inputs)), header=None)
    frame.insert(0, "out", pd.to_numeric(pd.Series(outputs)))
    frame.describe(percentiles=[0.1 * k for k in range(1, 10)])
    for col in frame.columns[NUMERIC + 1 :]:
        frame[col].value_counts()
    return {"seconds": time.perf_counter() - t, "records": len(frame), "jvm_rss_mb": 0.0}


def run_variant(name: str, data: Path, work: Path) -> dict[str, float]:
    runner = {
        "scan": run_scan,
        "naive": run_naive,
        "pandas": run_pandas,
    }.get(name)
    result = runner(data, work) if runner else run_job(data, work, name)
    result["driver_rss_mb"] = rss_mb()
    return result


def ensure_data(size: int, payload: str = "csv") -> Path:
    data = (
        REPO
        / "bench-data"
        / (f"capture-{size}" if payload == "csv" else f"capture-{payload}-{size}")
    )
    if not (data / "_DONE").is_file():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "make_bench_data.py"),
                "--out",
                str(data),
                "--records",
                str(size),
                "--numeric",
                str(NUMERIC),
                "--categorical",
                str(CATEGORICAL),
                "--payload",
                payload,
            ],
            check=True,
        )
    return data


def orchestrate(
    sizes: list[int], variants: list[str], payload: str = "csv"
) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    if payload != "csv":  # naive and pandas decode base64 CSV only
        variants = [v for v in variants if v not in ("naive", "pandas")]
    for size in sizes:
        data = ensure_data(size, payload)
        work = REPO / "bench-output" / f"work-{payload}-{size}"
        work.mkdir(parents=True, exist_ok=True)
        scan_seconds = None
        for name in variants:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--variant",
                    name,
                    "--data",
                    str(data),
                    "--work",
                    str(work),
                ],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "MONITOR_JOB_LOG_LEVEL": "WARNING"},
            )
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"bench: variant {name} failed at {size} records")
            (work / f"{name}.log").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
            lines = [x for x in done.stdout.splitlines() if x.startswith('{"seconds"')]
            if not lines:
                raise SystemExit(f"bench: no result from {name}; see {work / f'{name}.log'}")
            result = json.loads(lines[-1])
            if name == "scan":
                scan_seconds = result["seconds"]
            result.update(size=size, variant=name, payload=payload)
            result["ratio_to_scan"] = (
                result["seconds"] / scan_seconds if scan_seconds else float("nan")
            )
            results.append(result)
            rate = size / result["seconds"]
            print(
                f"{size:>10,} {payload:<4} {name:<9} {result['seconds']:8.1f} s"
                f" {rate:>12,.0f} rec/s"
                f"  x{result['ratio_to_scan']:5.2f} scan  driver {result['driver_rss_mb']:7.0f} MB"
                f"  jvm {result['jvm_rss_mb']:7.0f} MB",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--big", action="store_true", help="add the 10M-record size")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--payloads", default="csv,json", help="base64-CSV and/or JSON-object captures"
    )
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, Path(args.data), Path(args.work))))
        return
    sizes = [int(s) for s in args.sizes.split(",")] + ([10_000_000] if args.big else [])
    print(f"machine: {os.cpu_count()} cores; sizes {sizes}")
    results = []
    for payload in args.payloads.split(","):
        results += orchestrate(sizes, args.variants.split(","), payload)
    out = REPO / "bench-output" / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
