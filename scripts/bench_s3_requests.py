"""S3 requests of Spark's file index for s3:// input read through S3A (issue 36, item 6):
a moto server behind a recording proxy on 127.0.0.1, a local[2] session with the S3A jars.

For the same listed objects, the requests made before any task reads a line:

  spark.read.text   Spark's own index: an existence check of every path, then its listing
                    (a Spark job of one task per path above 32 paths), at every read
  text_lines        the job's index (runtime/files.py), built from the statuses the job's
                    listing returned: no request, kept for the run

then the requests of reading the lines (the same for both: each split opens its object).

  .venv/bin/python scripts/bench_s3_requests.py [--objects 40]
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/proxy.py

from tests.proxy import ForwardingProxy  # noqa: E402


def kind(method: str, path: str) -> str:
    return "LIST" if method == "GET" and "list-type=2" in path else method


def counted(proxy: ForwardingProxy) -> str:
    found = collections.Counter(kind(m, p) for m, p in proxy.requests)
    proxy.requests.clear()
    return ", ".join(f"{k} {v}" for k, v in sorted(found.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=40)
    args = parser.parse_args()
    import boto3
    from moto.server import ThreadedMotoServer
    from pyspark.sql import SparkSession

    from monitor_job.io import list_input
    from monitor_job.runtime.files import text_lines
    from monitor_job.runtime.spark import find_jars, s3a_settings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    with ForwardingProxy(f"http://{host}:{port}") as proxy:
        os.environ.update(
            AWS_ENDPOINT_URL=proxy.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
        )
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="bench-requests")
        for i in range(args.objects):
            key = f"captures/2024/03/01/{10 + i % 4}/part-{i:03d}.jsonl"
            s3.put_object(Bucket="bench-requests", Key=key, Body=b"a\nb\nc\n")
        jars = ",".join(str(p) for p in find_jars(s3a=True))
        builder = SparkSession.builder.master("local[2]").config("spark.jars", jars)
        for key, value in s3a_settings(os.environ).items():
            builder = builder.config(key, value)
        spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        proxy.requests.clear()
        listing = list_input("s3://bench-requests/captures")
        print(f"{args.objects} objects; the job's listing (boto3): {counted(proxy)}")
        files = tuple(f.replace("s3://", "s3a://", 1) for f in listing.files)
        replace(listing, files=files)  # the statuses, under the names Spark reads
        for name, read in (
            ("spark.read.text", lambda: spark.read.text(list(files))),
            ("text_lines", lambda: text_lines(spark, files)),
        ):
            started = time.perf_counter()
            frame = read()
            seconds = time.perf_counter() - started
            print(f"  {name}: the index {counted(proxy)} ({seconds:.2f} s)", end="")
            lines = frame.count()
            print(f"; reading {lines} lines: {counted(proxy)}")
        spark.stop()
    server.stop()


if __name__ == "__main__":
    main()
