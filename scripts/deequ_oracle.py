"""Every statistic of the job's analyzers against Deequ's built-in analyzers at the size
users run (the suite's comparison, tests/data_quality/test_analyzers.py, at 1.5k-40k rows):
captures through the real decoder, profiled as the job profiles them, then Deequ's own
analyzers on the same decoded rows. The decoded rows are written to Parquet once so that
the oracle's passes do not decode the captures again. Prints one line per dataset and
exits 1 on the first difference.

Datasets: capture folders (`make bench`'s: base64 CSV and JSON), and with `--mixed N` the
suite's mixed table at N rows as base64-CSV and JSON captures: missing values, numbers
among strings, an undecodable and a broken line, and a handler failing on every 25th
record (tests/data_quality/test_analyzers.py builds the same at 1,500 rows).

    .venv/bin/python scripts/deequ_oracle.py --mixed 1000000 bench-data/capture-1000000 \
        bench-data/capture-json-1000000
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor_job.contract import config_from_mapping
from monitor_job.data_quality.analysis import profile
from monitor_job.decode import decode_dataset
from monitor_job.io import list_input
from monitor_job.runtime.spark import build_session
from tests.data_quality.test_analyzers import assert_equals_deequ, broken_handler, every_column
from tests.datasets import csv_capture_lines, json_capture_lines, mixed_frame, write_lines


def mixed(rows: int, payload: str, work: Path) -> tuple[str, dict[str, str]]:
    """The suite's mixed captures at ``rows`` rows: (capture folder, extra contract keys)."""
    frame = mixed_frame(rows, seed=11)
    frame["city"] = frame["city"].where(frame.index % 7 != 0, "12")  # numbers among strings
    lines = json_capture_lines(frame) if payload == "json" else csv_capture_lines(frame)
    lines = [line.replace('"eventId": "e"', f'"eventId": "e{i}"') for i, line in enumerate(lines)]
    lines += [re.sub(r'"encoding": "\w+"', '"encoding": "GZIP"', lines[0]), "{not json"]
    root = work / f"mixed-{payload}"
    hour = root / "ep" / "AllTraffic" / "2024" / "03" / "01" / "10"
    for part in range(4):  # several files: several partitions
        write_lines(lines[part::4], hour / f"part-{part}.jsonl")
    extra = {"record_preprocessor_script": broken_handler(work)} if payload == "handler" else {}
    return str(root), extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mixed", type=int, default=0, help="rows of the mixed captures")
    parser.add_argument("folders", nargs="*")
    args = parser.parse_args()
    spark = build_session("monitor-job-deequ-oracle")
    work = Path(tempfile.mkdtemp(prefix="monitor-job-oracle-"))
    datasets = [(folder, {}) for folder in args.folders]
    if args.mixed:
        for payload in ("base64-csv", "json", "handler"):
            datasets.append(mixed(args.mixed, payload, work))
    for data, extra in datasets:
        config = config_from_mapping(
            {
                "dataset_format": {
                    "sagemakerCaptureJson": {
                        "captureIndexNames": ["endpointInput", "endpointOutput"]
                    }
                },
                "dataset_source": data,
                "output_path": "/tmp/monitor-job-deequ-oracle",
                **extra,
            }
        )
        decoded = decode_dataset(spark, config, list_input(config.dataset_source, None, None))
        start = time.perf_counter()
        ours = profile(spark, decoded.frame, decoded.names, every_column(len(decoded.names)))
        profiled = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            decoded.frame.write.parquet(f"{tmp}/rows")
            rows = spark.read.parquet(f"{tmp}/rows")
            start = time.perf_counter()
            try:
                assert_equals_deequ(spark, rows, ours, one_partition=False)
            except AssertionError as err:
                print(f"{data}: DIFFERS from Deequ: {err!r}", flush=True)
                return 1
            checked = time.perf_counter() - start
        failed = sum(ours.records_failed.values())
        print(
            f"{data}: {ours.item_count:,} rows ({failed:,} failed), {len(ours.features)} "
            f"columns: every statistic equals Deequ's (profile {profiled:.0f} s, Deequ and "
            f"exact counts {checked:.0f} s)",
            flush=True,
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
