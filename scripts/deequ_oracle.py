"""Every statistic of the job's analyzers against Deequ's built-in analyzers at the size
users run: the captures of `make bench` (1M records, base64 CSV and JSON) through the real
decoder, profiled as the job profiles them, then Deequ's own analyzers on the same decoded
rows (the suite's comparison, tests/data_quality/test_analyzers.py, at 1.5k-40k rows).
The decoded rows are written to Parquet once so that the oracle's passes do not decode the
captures again. Prints one line per dataset and exits 1 on the first difference.

    .venv/bin/python scripts/deequ_oracle.py bench-data/capture-1000000 \
        bench-data/capture-json-1000000
"""

from __future__ import annotations

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
from tests.data_quality.test_analyzers import assert_equals_deequ, every_column


def main() -> int:
    spark = build_session("monitor-job-deequ-oracle")
    for data in sys.argv[1:]:
        config = config_from_mapping(
            {
                "dataset_format": {
                    "sagemakerCaptureJson": {
                        "captureIndexNames": ["endpointInput", "endpointOutput"]
                    }
                },
                "dataset_source": data,
                "output_path": "/tmp/monitor-job-deequ-oracle",
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
        print(
            f"{data}: {ours.item_count:,} rows, {len(ours.features)} columns: every statistic "
            f"equals Deequ's (profile {profiled:.0f} s, Deequ and exact counts {checked:.0f} s)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
