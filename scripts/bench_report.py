"""report.html for a 100-feature monitoring run: its size and the time to build it.

Writes (once, seeded) a 100-column baseline CSV and a drifted window in
``bench-data/report-100/``, runs the real baseline and monitoring jobs on them (not timed),
then times building the monitoring run's report from its files: in this process, where
the jobs' warm-up has started the chart engine as in any run (the report step of a run),
and as the ``monitor-job report`` command in a fresh process (Python's start, imports and
the engine's start included). Prints seconds (medians of 3) and the page's size.

    .venv/bin/python scripts/bench_report.py [--features 100] [--rows 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median as statistics_median

import numpy as np
import pandas as pd

from monitor_job.cli import main as cli
from monitor_job.monitors import render_run
from monitor_job.report import charts, read_run

CATEGORIES = [f"c{i:02d}" for i in range(30)]


def frame(features: int, rows: int, rng: np.random.Generator, shift: float) -> pd.DataFrame:
    """Half numeric (normal, some integer), half categorical (30 values); ``shift`` moves
    every fourth column."""
    data = {}
    for i in range(features):
        moved = shift if i % 4 == 0 else 0.0
        if i % 2 == 0:
            values = rng.normal(10 + moved * 5, 3, rows)
            data[f"f{i:03d}"] = values.round(0 if i % 6 == 0 else 3)
        else:
            p = np.linspace(1, 3, len(CATEGORIES)) ** (1 + moved)
            data[f"f{i:03d}"] = rng.choice(CATEGORIES, rows, p=p / p.sum())
    return pd.DataFrame(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    root = Path("bench-data") / f"report-{args.features}"
    out = Path("bench-output") / f"report-{args.features}"
    if not (root / "window.csv").exists():
        root.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(11)
        frame(args.features, args.rows, rng, 0.0).to_csv(root / "baseline.csv", index=False)
        frame(args.features, args.rows // 4, rng, 1.0).to_csv(root / "window.csv", index=False)
    os.environ.setdefault("MONITOR_JOB_LOG_LEVEL", "WARNING")
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # no job tables
        run = ["--dataset", str(root / "baseline.csv"), "--output", str(out / "baseline")]
        assert cli(["baseline", *run]) == 0
        assert (
            cli(
                [
                    "monitor",
                    "--dataset",
                    str(root / "window.csv"),
                    "--format",
                    "csv",
                    "--header",
                    "--baseline-statistics",
                    str(out / "baseline" / "statistics.json"),
                    "--baseline-constraints",
                    str(out / "baseline" / "constraints.json"),
                    "--output",
                    str(out / "window"),
                ]
            )
            == 0
        )
    statistics = str(out / "window" / "statistics.json")
    baseline = str(out / "baseline" / "statistics.json")
    # This process ran the two jobs: their warm-up (during Spark) started the chart
    # engine, as in any run, so these builds are what a run's report step costs.
    charts._warming[0].join()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        html = render_run(read_run(statistics, baseline))
        times.append(time.perf_counter() - start)
    colds = []
    for _ in range(3):  # a fresh process: Python, imports, the engine's start, the page
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor_job",
                "report",
                "--statistics",
                statistics,
                "--baseline-statistics",
                baseline,
                "--output",
                str(out / "cli"),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "MONITOR_JOB_LOG_LEVEL": "WARNING"},
        )
        colds.append(time.perf_counter() - start)
    violations = html.count('class="violation"')
    print(f"machine: 2 cores; {args.features} features, {violations} violations")
    print(
        f"report build in a run {statistics_median(times):5.2f} s   "
        f"`monitor-job report` process {statistics_median(colds):5.2f} s   "
        f"size {len(html.encode()) / 1e6:5.2f} MB   (medians of 3)"
    )


if __name__ == "__main__":
    main()
