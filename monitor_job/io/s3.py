"""S3 through boto3, configured the standard AWS way (``AWS_ENDPOINT_URL``, credential chain).

The same code reaches AWS, MinIO or a local moto server. Listing walks the capture layout
``.../yyyy/mm/dd/hh/`` one level at a time with a ``/`` delimiter and never descends into a
date directory outside the window, so hours outside it are neither listed nor read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor_job.errors import InputDataError, MonitorJobError, OutputError

SCHEME = "s3://"
MAX_ATTEMPTS = 5
DOWNLOAD_THREADS = 16


def is_s3(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith(SCHEME)


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len(SCHEME) :].partition("/")
    return bucket, key


def client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            connect_timeout=10,
            read_timeout=120,
        ),
    )


def describe_error(err: Exception) -> str:
    """A short reason without request ids, signatures or presigned URLs."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    if isinstance(err, ClientError):
        info = err.response.get("Error", {})
        code = info.get("Code", "error")
        hint = {
            "NoSuchBucket": "bucket does not exist",
            "NoSuchKey": "object does not exist",
            "404": "object does not exist",
            "AccessDenied": "access denied",
            "403": "access denied",
        }.get(str(code), info.get("Message") or "request failed")
        return f"{code}: {hint}"
    if isinstance(err, EndpointConnectionError):
        return f"S3 endpoint unreachable after {MAX_ATTEMPTS} attempts"
    return type(err).__name__


def guarded(
    what: str, error: type[MonitorJobError], call: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """Run an S3 call; botocore errors (and boto3's failed uploads) become ``error``
    naming ``what``."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(*args, **kwargs)
    except (BotoCoreError, ClientError) as err:
        raise error(f"{what}: {describe_error(err)}") from err
    except S3UploadFailedError as err:
        # boto3 folds the ClientError into its message: keep only its code and reason.
        cause = err.__context__ if isinstance(err.__context__, ClientError) else None
        reason = describe_error(cause) if cause is not None else "upload failed"
        raise error(f"{what}: {reason}") from err


PROBE = ".monitor-job-write-probe"


def check_writable(uri: str, what: str) -> None:
    """Prove that ``uri`` (an S3 prefix) can be written, before any work: put a small probe
    object under it and delete it. The error names the location and the AWS error code."""
    bucket, key = split_uri(join(uri, PROBE))
    s3 = client()
    failure = f"cannot write {what} {uri}"
    guarded(failure, OutputError, s3.put_object, Bucket=bucket, Key=key)
    guarded(failure, OutputError, s3.delete_object, Bucket=bucket, Key=key)


def read_bytes(uri: str, what: str, error: type[MonitorJobError]) -> bytes:
    bucket, key = split_uri(uri)
    if not bucket or not key:
        raise error(f"{what}: not an S3 object URI: {uri}")
    response = guarded(f"{what} {uri}", error, client().get_object, Bucket=bucket, Key=key)
    return bytes(guarded(f"{what} {uri}", error, response["Body"].read))


def _pages(s3: Any, bucket: str, prefix: str, delimiter: bool) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        kwargs["Delimiter"] = "/"
    yield from s3.get_paginator("list_objects_v2").paginate(**kwargs)


def list_s3(
    uri: str,
    start: datetime | None,
    end: datetime | None,
    span_of: Callable[[list[str]], tuple[datetime, datetime] | None],
    wanted: Callable[[str], bool],
) -> tuple[list[str], list[str], list[str]]:
    """(object URIs, hour prefixes read, prefixes pruned) under ``uri``."""
    bucket, key = split_uri(uri)
    if not bucket:
        raise InputDataError(f"dataset_source {uri}: no bucket in the URI")
    s3 = client()
    files: list[str] = []
    searched: list[str] = []
    pruned: list[str] = []

    def add(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            name = obj["Key"].rsplit("/", 1)[-1]
            if wanted(name) and not obj["Key"].endswith("/"):
                files.append(f"{SCHEME}{bucket}/{obj['Key']}")

    def everything(prefix: str) -> None:
        for page in _pages(s3, bucket, prefix, delimiter=False):
            add(page.get("Contents", []))

    def walk(prefix: str, parts: list[str]) -> None:
        for page in _pages(s3, bucket, prefix, delimiter=True):
            add(page.get("Contents", []))
            for common in page.get("CommonPrefixes", []):
                child = common["Prefix"]
                name = child[len(prefix) :].rstrip("/")
                span = span_of([*parts, name])
                if span is not None and (start or end):
                    lo, hi = span
                    if (end is not None and lo >= end) or (start is not None and hi <= start):
                        pruned.append(f"{SCHEME}{bucket}/{child}")
                        continue
                if span is not None and span[1] - span[0] == timedelta(hours=1):
                    searched.append(f"{SCHEME}{bucket}/{child}")
                    everything(child)
                else:
                    walk(child, [*parts, name])

    def run() -> None:
        # A single object, or a prefix to walk.
        if key and not key.endswith("/"):
            head = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=2).get("Contents", [])
            if any(obj["Key"] == key for obj in head):
                files.append(uri)
                return
        walk(key.rstrip("/") + "/" if key else "", [])

    guarded(f"dataset_source {uri}", InputDataError, run)
    return files, searched, pruned


def stage(uris: list[str], directory: Path) -> list[str]:
    """Download objects (in parallel, straight to disk) below ``directory``; local paths."""
    s3 = client()

    def fetch(uri: str) -> str:
        bucket, key = split_uri(uri)
        target = directory / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        guarded(f"reading {uri}", InputDataError, s3.download_file, bucket, key, str(target))
        return str(target)

    with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
        return list(pool.map(fetch, uris))


def upload(files: list[tuple[str, str]]) -> None:
    """Upload ``(local path, s3 uri)`` pairs, in order (the summary goes last)."""
    s3 = client()
    for path, uri in files:
        bucket, key = split_uri(uri)
        guarded(f"cannot write output {uri}", OutputError, s3.upload_file, path, bucket, key)


def local_files_below(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))


def join(uri: str, *parts: str) -> str:
    return "/".join([uri.rstrip("/"), *(p.strip("/") for p in parts)])


def env_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "AWS"
