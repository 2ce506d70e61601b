"""A day by rollup against a day by rereading: 24 hourly monitoring runs' outputs merged
(``monitor-job rollup``, no records read) against one monitoring run over the same 24
hours of captures, both timed in one warm session, at several records per hour.

For each size (records per hour), synthetic base64-CSV captures over 24 hourly partitions
(scripts/make_bench_data.py, cached under bench-data/rollup-<n>/), a baseline from the
first hour, and the 24 hourly runs (timed together, as the schedule would have spent
them) are made first; then the direct run and the rollup are timed. Both write the same
files (statistics, violations, metrics, report); the script checks that they agree on
the item count and on every violation.

    .venv/bin/python scripts/bench_rollup.py [--per-hour 10000,100000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

from monitor_job.cli import main as job
from monitor_job.runtime.spark import build_session

REPO = Path(__file__).resolve().parents[1]
HOURS = 24


def ensure_data(per_hour: int) -> Path:
    data = REPO / "bench-data" / f"rollup-{per_hour}"
    if not (data / "_DONE").is_file():
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "make_bench_data.py"), "--out", str(data),
             "--records", str(per_hour * HOURS), "--hours", str(HOURS), "--first-hour", "0",
             "--lines-per-file", str(min(per_hour, 25_000))],
            check=True,
        )  # fmt: skip
    return data


def run(*args: str) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # each run's console summary
        code = job(list(args))
    if code not in (0,):
        raise SystemExit(f"monitor-job {args[0]} exited {code}")
    return time.perf_counter() - start


def verdict(folder: Path) -> tuple[int, set[tuple[str, str]]]:
    stats = json.loads((folder / "statistics.json").read_text())
    found = json.loads((folder / "constraint_violations.json").read_text())["violations"]
    return stats["dataset"]["item_count"], {
        (v["feature_name"], v["constraint_check_type"]) for v in found
    }


def bench(per_hour: int) -> dict[str, float]:
    data = ensure_data(per_hour)
    work = REPO / "bench-output" / f"rollup-{per_hour}"
    shutil.rmtree(work, ignore_errors=True)
    capture = data / "bench-endpoint"
    hour0 = capture / "AllTraffic" / "2024" / "03" / "01" / "00"
    run(
        "baseline",
        "--dataset",
        str(hour0),
        "--format",
        "capture",
        "--output",
        str(work / "baseline"),
    )
    baseline = ["--baseline-statistics", str(work / "baseline" / "statistics.json"),
                "--baseline-constraints", str(work / "baseline" / "constraints.json")]  # fmt: skip
    hourly = 0.0
    for h in range(1, HOURS + 1):  # scheduled like a cron job at the top of each hour
        scheduled = f"2024-03-{1 + h // 24:02d}T{h % 24:02d}:00:00Z"
        hourly += run(
            "monitor", "--dataset", str(capture), "--format", "capture",
            "--output", str(work / "runs" / "{yyyy}/{mm}/{dd}/{hh}"),
            "--start=-PT1H", "--end=-PT0H", "--scheduled-time", scheduled, *baseline,
        )  # fmt: skip
    day = ("2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z")
    direct = run("monitor", "--dataset", str(capture), "--format", "capture",
                 "--output", str(work / "direct"), "--start", day[0], "--end", day[1],
                 *baseline)  # fmt: skip
    rollup = run("rollup", "--runs", str(work / "runs"), "--output", str(work / "rollup"),
                 "--from", day[0], "--to", day[1], *baseline)  # fmt: skip
    same = verdict(work / "direct") == verdict(work / "rollup")
    return {
        "records": per_hour * HOURS,
        "hourly": hourly,
        "direct": direct,
        "rollup": rollup,
        "same": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-hour", default="10000,100000", help="records per hour, listed")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    spark = build_session()
    spark.range(10).count()  # JVM and session start are not timed
    results = [bench(int(n)) for n in args.per_hour.split(",")]
    print("machine: 2 cores; 24 hourly runs, then the day both ways (seconds)")
    print(f"{'records/hour':>12} {'records/day':>12} {'24 hourly runs':>15} {'direct day':>11} "
          f"{'rollup':>7} {'direct/rollup':>14}  same verdict")  # fmt: skip
    for r in results:
        print(f"{r['records'] // HOURS:>12,} {r['records']:>12,} {r['hourly']:>15.1f} "
              f"{r['direct']:>11.1f} {r['rollup']:>7.1f} {r['direct'] / r['rollup']:>13.1f}x"
              f"  {'yes' if r['same'] else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
