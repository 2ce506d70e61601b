"""Custom checks' cost (issue 38): a data-quality monitoring run of the bench's capture data
(scripts/make_bench_data.py: base64 CSV, 20 numbers and 5 categories) without custom
checks, with ten scan-shared checks (seven are the profile's own statistics; three are
Deequ's analyzers observed in the profile's scan), and with the ten plus two grouping
checks (one grouped pass of the input each), and with ten scan-shared checks that are none
of the profile's statistics (all observed: two regular expressions, lengths, comparisons,
`where`), timed in one warm session; medians printed with their ratio to the run without
checks.

The protocol: one untimed run of each scan-shared variant first; then they rotate (none,
ten, observed; ten, observed, none; ...), so that each follows each other as often; every
run starts from a collected heap (the previous run's garbage is not charged to the next);
the grouping runs come last.

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


def checks(names: dict[str, str]) -> tuple[str, str, str]:
    """Ten scan-shared checks over the baseline's columns, the same plus two grouping
    checks, and ten scan-shared checks the profile answers none of (all observed)."""
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
    observed = [
        f"{{name: o1, rule: hasMean, column: {b}, where: \"{s} = 'x'\", assert: ['>', 0]}}",
        f"{{name: o2, rule: containsEmail, column: {s}, assert: ['>=', 0]}}",
        f"{{name: o3, rule: hasPattern, column: {t}, pattern: '^c', assert: ['>=', 0]}}",
        f"{{name: o4, rule: isContainedIn, column: {s}, allowed_values: [a, b], "
        "assert: ['>=', 0]}",
        f"{{name: o5, rule: isPositive, column: {c}, assert: ['>=', 0]}}",
        f"{{name: o6, rule: isLessThan, columnA: {b}, columnB: {d}, assert: ['>=', 0]}}",
        f"{{name: o7, rule: hasMinLength, column: {t}, assert: ['>=', 0]}}",
        f"{{name: o8, rule: hasMaxLength, column: {s}, assert: ['>=', 0]}}",
        f"{{name: o9, rule: satisfies, condition: '{a} + {e} > 0', assert: ['>=', 0]}}",
        f"{{name: o10, rule: hasCompleteness, column: {a}, where: '{c} > 0', assert: ['>=', 0]}}",
    ]
    head = "version: 1\nchecks:\n"
    return (
        head + "".join(f"  - {x}\n" for x in ten),
        head + "".join(f"  - {x}\n" for x in ten + grouping),
        head + "".join(f"  - {x}\n" for x in observed),
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
    for name, text in zip(("scan", "grouping", "observed"), checks(names), strict=True):
        files[name] = work / f"{name}.yaml"
        files[name].write_text(text)
    variants = {"none": [], **{v: ["--checks", str(f)] for v, f in files.items()}}
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

    rotation = ["none", "scan", "observed"]
    for v in rotation:
        timed(v, -1)  # warm-up, not counted
    times: dict[str, list[float]] = {v: [] for v in variants}
    # The scan-shared variants rotate (none, scan, observed; scan, observed, none; ...):
    # each follows each other as often. The grouping runs come after.
    for r in range(args.repeats):
        for v in rotation[r % 3 :] + rotation[: r % 3]:
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
