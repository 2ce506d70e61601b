"""Custom checks' cost (issue 38): a data-quality monitoring run of the bench's capture data
(scripts/make_bench_data.py: base64 CSV, 20 numbers and 5 categories) without custom
checks, with ten scan-shared checks (seven are the profile's own statistics; three are
Deequ's analyzers observed in the profile's scan), and with the ten plus two grouping
checks (one grouped pass of the input each), timed in one warm session; medians printed
with their ratio to the run without checks.

The protocol: one untimed run of each of the pair first; then the pair alternates (none,
ten, ten, none, ...), so that each follows the other and itself equally often; every run
starts from a collected heap (the previous run's garbage is not charged to the next); the
grouping runs come last.

    .venv/bin/python scripts/bench_checks.py [--records 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO))

from bench import ensure_data  # noqa: E402
from bench_batch import run  # noqa: E402

from monitor_job.runtime.spark import build_session  # noqa: E402


def checks(names: dict[str, str]) -> tuple[str, str]:
    """Ten scan-shared checks over the baseline's columns, and the same plus two grouping
    checks."""
    numbers = [n for n, t in names.items() if t in ("Integral", "Fractional")]
    strings = [n for n, t in names.items() if t == "String"]
    a, b, c, d, e = numbers[1:6]
    s, t = strings[:2]
    ten = [
        "{name: rows, rule: hasSize, assert: ['>', 0]}",
        f"{{name: complete, rule: hasCompleteness, column: {a}, assert: ['>=', 0.99]}}",
        f"{{name: mean, rule: hasMean, column: {b}, assert: ['>', -1000]}}",
        f"{{name: low, rule: hasMin, column: {c}, assert: ['>', -1000]}}",
        f"{{name: high, rule: hasMax, column: {d}, assert: ['<', 1000000]}}",
        f"{{name: nonneg, rule: isNonNegative, column: {a}, assert: ['>=', 0.5]}}",
        f"{{name: ordered, rule: satisfies, condition: '{b} < {c} + 100', assert: ['>', 0]}}",
        f"{{name: short, rule: hasMaxLength, column: {s}, assert: ['<', 20]}}",
        f"{{name: kinds, rule: hasApproxCountDistinct, column: {t}, assert: ['<', 100]}}",
        f"{{name: median, rule: hasApproxQuantile, column: {e}, quantile: 0.5, "
        "assert: ['>', -1000]}",
    ]
    grouping = [
        f"{{name: unique, rule: hasUniqueness, columns: [{a}], assert: ['>=', 0]}}",
        f"{{name: distinct, rule: hasNumberOfDistinctValues, column: {s}, assert: ['>', 0]}}",
    ]
    head = "version: 1\nchecks:\n"
    return (
        head + "".join(f"  - {x}\n" for x in ten),
        head + "".join(f"  - {x}\n" for x in ten + grouping),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("monitor_job").setLevel(logging.WARNING)
    data = ensure_data(args.records)
    work = REPO / "bench-output" / "checks"
    build_session("monitor-job-bench").range(1).count()
    base = work / "baseline"
    run("baseline", "--dataset", str(data), "--format", "capture", "--output", str(base))
    stats = json.loads((base / "statistics.json").read_text())
    names = {f["name"]: f["inferred_type"] for f in stats["features"]}
    files = {}
    for name, text in zip(("scan", "grouping"), checks(names), strict=True):
        files[name] = work / f"{name}.yaml"
        files[name].write_text(text)
    variants = {"none": [], "scan": ["--checks", str(files["scan"])],
                "grouping": ["--checks", str(files["grouping"])]}  # fmt: skip
    jvm = build_session("monitor-job-bench").sparkContext._jvm

    def timed(v: str, r: int) -> float:
        # Each run starts from a collected heap: the previous run's garbage (a grouping
        # run's most of all) is not charged to the next.
        gc.collect()
        jvm.System.gc()
        argv = [
            "monitor", "--dataset", str(data), "--format", "capture",
            "--output", str(work / f"{v}-{r}"),
            "--baseline-statistics", str(base / "statistics.json"),
            "--baseline-constraints", str(base / "constraints.json"),
            *variants[v],
        ]  # fmt: skip
        return run(*argv)

    timed("none", -1)  # warm-up, not counted
    timed("scan", -1)
    times: dict[str, list[float]] = {v: [] for v in variants}
    # The bar's pair alternates (none, scan, scan, none, ...): each follows the other and
    # itself equally often. The grouping runs come after, as a third variant.
    for r in range(args.repeats):
        for v in ("none", "scan") if r % 2 == 0 else ("scan", "none"):
            times[v].append(timed(v, r))
    for r in range(args.repeats):
        times["grouping"].append(timed("grouping", r))
    plain = statistics.median(times["none"])
    for v in variants:
        m = statistics.median(times[v])
        print(
            f"{v:<9} {args.records / m:>10,.0f} records/s  {m:6.1f} s  x {m / plain:.3f} "
            f"(medians of {args.repeats}: {', '.join(f'{t:.1f}' for t in times[v])})"
        )


if __name__ == "__main__":
    main()
