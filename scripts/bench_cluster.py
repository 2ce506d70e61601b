"""The data-quality baseline on a Spark standalone cluster on 127.0.0.1 (issue 36): what a
cluster of small executors does with 1M captures, through scripts/spark-submit.sh.

  merge        1M captures in about 1,200 partitions (spark.sql.files.maxPartitionBytes
               512 KB), two workers of one core, 512 MB executors: completes, and equals
               local mode on the same layout (the bytes, and counts exact / moments 1e-9)
  throughput   the same baseline at Spark's default partitioning on one worker of one
               core, then on two: wall time and ratio (the driver, the master and the
               Python workers share this machine's 2 cores)
  worker-loss  the merge run again, one of its two workers SIGKILLed (with its executor)
               while the profile's scan is a third done: completes on the other, and its
               statistics.json is byte-identical to the undisturbed run

Each run's Spark event log is read for the busiest task's share of every row-level stage
and each stage's peak executor heap (tests/eventlog.py).

  .venv/bin/python scripts/bench_cluster.py [--records 1000000] [--only merge,throughput]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/standalone.py, tests/eventlog.py

from make_bench_data import write  # noqa: E402

from tests.eventlog import read_log, read_peaks, skewed  # noqa: E402
from tests.standalone import Submitted, standalone, submit_baseline  # noqa: E402

SMALL_SPLITS = [
    "--conf", "spark.sql.files.maxPartitionBytes=524288",
    "--conf", "spark.sql.files.openCostInBytes=0",
]  # fmt: skip


def report(name: str, run: Submitted, records: int) -> None:
    found = read_log(run.events)
    peaks = read_peaks(run.events)
    rows = [s for s in found if s.records >= records // 2]
    print(f"  {name}: {run.seconds:.1f} s, {records / run.seconds:,.0f} records/s")
    if run.killed_at is not None:
        print(f"    worker 1 SIGKILLed {run.killed_at:.1f} s into the run")
    for s in rows:
        print(
            f"    stage {s.stage}.{s.attempt}: {len(s.tasks)} tasks, busiest "
            f"{s.busiest_share:.1%} of {s.records:,} records"
        )
    merges = [s for s in found if s.records < records // 2 and len(s.tasks) > 0]
    print(f"    {len(merges)} other stage(s) (the merge levels and small jobs)")
    worst = max(peaks.items(), key=lambda kv: kv[1], default=(None, 0))
    print(f"    peak executor heap in any stage: {worst[1] / 2**20:.0f} MiB (stage {worst[0]})")
    if skewed(found, records):
        print(f"    SKEWED: {skewed(found, records)}")


def compare(a: Path, b: Path) -> str:
    """'bytes equal', or 'equal (counts exact, moments 1e-9)', or what differs."""
    left, right = (p / "statistics.json" for p in (a, b))
    if left.read_bytes() == right.read_bytes():
        return "statistics.json bytes equal"
    x, y = json.loads(left.read_text()), json.loads(right.read_text())
    if x["dataset"] != y["dataset"]:
        return f"item counts differ: {x['dataset']} {y['dataset']}"
    for f, g in zip(x["features"], y["features"], strict=True):
        for kind in ("numerical_statistics", "string_statistics"):
            if (kind in f) != (kind in g):
                return f"{f['name']}: {kind} in one only"
            if kind not in f:
                continue
            if f[kind]["common"] != g[kind]["common"]:
                return f"{f['name']}: counts differ"
            for key in ("mean", "sum", "std_dev", "min", "max"):
                if key in f[kind] and not math.isclose(f[kind][key], g[kind][key], rel_tol=1e-9):
                    return f"{f['name']}.{key}: {f[kind][key]} vs {g[kind][key]}"
    return "equal (counts exact, moments 1e-9; sketches differ)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--only", default="merge,throughput,worker-loss")
    parser.add_argument("--work", help="keep the data and runs here (default: a temp dir)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-cluster-"))
    data = work / "data"
    if not data.exists():
        write(data, args.records, 20, 5, per_file=25_000, seed=7)
    n, size = args.records, sum(p.stat().st_size for p in data.rglob("*.jsonl"))
    print(f"{n:,} captures, {size / 2**20:.0f} MiB in {len(list(data.rglob('*.jsonl')))} files")
    small = [*SMALL_SPLITS, "--conf", "spark.executor.memory=512m"]
    if parts & {"merge", "worker-loss"}:
        print("== merge: ~1,200 partitions, two workers of one core, 512 MB executors")
        local = submit_baseline("local[2]", work, "local", data, SMALL_SPLITS)
        report("local", local, n)
        with standalone(work / "cluster2", workers=2, memory="1g") as cluster:
            merged = submit_baseline(cluster.url, work, "cluster", data, small)
        report("cluster", merged, n)
        print(f"  cluster against local: {compare(merged.out, local.out)}")
        if "worker-loss" in parts:
            print("== worker loss: worker 1 SIGKILLed during the scan")
            with standalone(work / "cluster-loss", workers=2, memory="1g") as cluster:
                lost = submit_baseline(cluster.url, work, "lost", data, small, kill=cluster)
            report("lost", lost, n)
            print(f"  against the undisturbed cluster run: {compare(lost.out, merged.out)}")
    if "throughput" in parts:
        print("== throughput: default partitioning, one worker of one core, then two")
        times = {}
        for workers in (1, 2):
            with standalone(work / f"tp{workers}", workers=workers, memory="2g") as cluster:
                name = f"workers-{workers}"
                run = submit_baseline(
                    cluster.url, work, name, data, ["--conf", "spark.executor.memory=1g"]
                )
            report(name, run, n)
            times[workers] = run.seconds
        print(f"  two workers against one: {times[1] / times[2]:.2f}x")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
