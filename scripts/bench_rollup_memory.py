"""A month of hourly runs rolled up with the JVM heap at its default: memory against the
number of runs (issue 36). One real monitoring run (1M captures of 30 features, its
``analyzer_states.bin`` about a megabyte) is copied (hard links) under 24, 168 and 720 hour
paths, each with a summary of its own hour; ``monitor-job rollup`` runs over each set in a
process of its own, and the peak resident memory of its Python driver and of its JVM
(``VmHWM``, polled) is printed beside the time and the item count (which must be the run's
times the number of runs).

    .venv/bin/python scripts/bench_rollup_memory.py [--records 1000000] [--runs 24,168,720]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = ("statistics.json", "constraint_violations.json", "analyzer_states.bin")


def job(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor_job", *args], capture_output=True, text=True, check=False
    )


def one_run(records: int) -> tuple[Path, Path]:
    """(the baseline folder, one monitoring run's folder), made once and cached."""
    data = REPO / "bench-data" / f"rollup-memory-{records}"
    if not (data / "_DONE").is_file():
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "make_bench_data.py"), "--out", str(data),
             "--records", str(records), "--numeric", "25", "--categorical", "5", "--hours", "1",
             "--first-hour", "10"],
            check=True,
        )  # fmt: skip
    work = REPO / "bench-output" / f"rollup-memory-{records}"
    baseline, run = work / "baseline", work / "run"
    if not (run / "monitor-job-summary.json").is_file():
        shutil.rmtree(work, ignore_errors=True)
        capture = data / "bench-endpoint"
        source = ["--dataset", str(capture), "--format", "capture"]
        for args in (
            ["baseline", *source, "--output", str(baseline)],
            ["monitor", *source, "--output", str(run),
             "--baseline-statistics", str(baseline / "statistics.json"),
             "--baseline-constraints", str(baseline / "constraints.json")],
        ):  # fmt: skip
            done = job(*args)
            if done.returncode != 0:
                tail = done.stderr[-2000:]
                raise SystemExit(f"monitor-job {args[0]} exited {done.returncode}: {tail}")
    return baseline, run


def copies(run: Path, into: Path, count: int) -> None:
    """``count`` hourly runs from 2024-03-01 00:00, each the one run's files (hard links)
    with a summary saying its own hour."""
    shutil.rmtree(into, ignore_errors=True)
    summary = json.loads((run / "monitor-job-summary.json").read_text())
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    for h in range(count):
        hour = start + timedelta(hours=h)
        folder = into / (hour + timedelta(hours=1)).strftime("%Y/%m/%d/%H")
        folder.mkdir(parents=True)
        for name in FILES:
            os.link(run / name, folder / name)
        summary["window"] = {
            "start": hour.isoformat(),
            "end": (hour + timedelta(hours=1)).isoformat(),
        }
        (folder / "monitor-job-summary.json").write_text(json.dumps(summary))


def peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            out.append(child)
            todo.append(child)
    return out


def rollup(runs: Path, out: Path, baseline: Path) -> tuple[float, int, int, int]:
    """(seconds, item count, Python's peak RSS MiB, the JVM's peak RSS MiB)."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor_job", "rollup", "--runs", str(runs), "--output", str(out),
         "--baseline-statistics", str(baseline / "statistics.json"),
         "--baseline-constraints", str(baseline / "constraints.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peaks = {"python": 0, "jvm": 0}

    def poll() -> None:
        while proc.poll() is None:
            peaks["python"] = max(peaks["python"], peak_kib(proc.pid))
            for child in descendants(proc.pid):
                if "java" in Path(f"/proc/{child}/comm").read_text(errors="replace"):
                    peaks["jvm"] = max(peaks["jvm"], peak_kib(child))
            time.sleep(0.2)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    watcher.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"rollup of {runs} exited {proc.returncode}: {err[-2000:]}")
    items = json.loads((out / "statistics.json").read_text())["dataset"]["item_count"]
    return seconds, items, peaks["python"] // 1024, peaks["jvm"] // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000, help="records of the one run")
    parser.add_argument("--runs", default="24,168,720", help="numbers of hourly runs, listed")
    args = parser.parse_args()
    baseline, run = one_run(args.records)
    per_run = json.loads((run / "statistics.json").read_text())["dataset"]["item_count"]
    state = (run / "analyzer_states.bin").stat().st_size
    print(f"one run: {per_run:,} records, analyzer_states.bin {state / 1e6:.2f} MB")
    print(f"{'runs':>5} {'seconds':>8} {'item_count':>14} {'= runs x run':>13} "
          f"{'python MiB':>11} {'JVM MiB':>8}")  # fmt: skip
    work = REPO / "bench-output" / "rollup-memory-copies"
    for count in (int(n) for n in args.runs.split(",")):
        copies(run, work / "runs", count)
        seconds, items, python, jvm = rollup(work / "runs", work / "out", baseline)
        same = "yes" if items == count * per_run else "NO"
        print(f"{count:>5} {seconds:>8.1f} {items:>14,} {same:>13} {python:>11} {jvm:>8}")


if __name__ == "__main__":
    main()
