"""S3 through boto3, configured the standard AWS way (``AWS_ENDPOINT_URL``, credential chain).

The same code reaches AWS, MinIO or a local moto server. Listing walks the capture layout
``.../yyyy/mm/dd/hh/`` one level at a time with a ``/`` delimiter and never descends into a
date directory outside the window, so hours outside it are neither listed nor read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from monitor_job.errors import InputDataError, MonitorJobError, OutputError

SCHEME = "s3://"
MAX_ATTEMPTS = 5
DOWNLOAD_THREADS = 16
LIST_THREADS = 16


def is_s3(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith(SCHEME)


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len(SCHEME) :].partition("/")
    return bucket, key


# The settings a client is made from: a change of credentials or endpoint (a test, a
# long-lived process) gets a new client; otherwise one client is shared (thread-safe).
_CLIENT_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CA_BUNDLE",
)


def client() -> Any:
    """An S3 client with botocore's standard retry mode (exponential backoff with jitter on
    throttling, 5xx and dropped connections), made from the current environment."""
    return _client(tuple(os.environ.get(k) for k in _CLIENT_ENV), MAX_ATTEMPTS)


@lru_cache(maxsize=4)
def _client(_env: tuple[str | None, ...], attempts: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=10,
            read_timeout=120,
        ),
    )


def describe_error(err: Exception) -> str:
    """A short reason without request ids, signatures or presigned URLs."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(err, ClientError):
        info = err.response.get("Error", {})
        code = info.get("Code", "error")
        # HEAD answers (boto3's download_file starts with one) carry no body: only a status.
        code = {"403": "AccessDenied", "404": "NoSuchKey"}.get(str(code), code)
        hint = {
            "NoSuchBucket": "bucket does not exist",
            "NoSuchKey": "object does not exist",
            "AccessDenied": "access denied",
            "InvalidAccessKeyId": "the access key id is not known to S3",
            "SignatureDoesNotMatch": "the secret access key does not match the key id",
            "ExpiredToken": "the session token has expired",
            "InvalidToken": "the session token is malformed or invalid",
            "SlowDown": f"throttled by S3 after {MAX_ATTEMPTS} attempts",
            "503": f"S3 unavailable after {MAX_ATTEMPTS} attempts",
        }.get(str(code), info.get("Message") or "request failed")
        return f"{code}: {hint}"
    if isinstance(err, EndpointConnectionError):
        return (
            f"EndpointConnectionError: S3 endpoint {env_endpoint()} unreachable after "
            f"{MAX_ATTEMPTS} attempts"
        )
    if isinstance(err, NoCredentialsError):
        return "NoCredentialsError: no AWS credentials found (environment, profile or role)"
    if isinstance(err, (ConnectionClosedError, ReadTimeoutError, ConnectTimeoutError)):
        return (
            f"{type(err).__name__}: S3 endpoint {env_endpoint()} dropped the connection or "
            f"timed out after {MAX_ATTEMPTS} attempts"
        )
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


def check_readable(uri: str, what: str) -> None:
    """Prove that the prefix ``uri`` can be listed (bucket exists, credentials may list,
    endpoint answers), with the cheapest call that does: one list of at most one key."""
    bucket, key = split_uri(uri)
    if not bucket:
        raise InputDataError(f"{what} {uri}: no bucket in the URI")
    s3 = client()
    guarded(
        f"{what} {uri}", InputDataError, s3.list_objects_v2, Bucket=bucket, Prefix=key, MaxKeys=1
    )


def read_bytes(
    uri: str, what: str, error: type[MonitorJobError], limit: int | None = None
) -> bytes:
    """An object's bytes; with ``limit``, at most ``limit`` bytes of it are read."""
    bucket, key = split_uri(uri)
    if not bucket or not key:
        raise error(f"{what}: not an S3 object URI: {uri}")
    response = guarded(f"{what} {uri}", error, client().get_object, Bucket=bucket, Key=key)
    body = response["Body"]
    try:
        return bytes(guarded(f"{what} {uri}", error, body.read, limit))
    finally:
        body.close()


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
) -> tuple[list[str], list[tuple[int, int]], list[str], list[str], list[tuple[str, str]]]:
    """(object URIs, their (size, modification time in ms), hour prefixes read, prefixes
    pruned, (object URI, reason) refused by :func:`unsafe_key`) under ``uri``. The hour
    prefixes of the window are listed :data:`LIST_THREADS` at a time (a week is 168
    listings); the objects come out in the walk's order whatever order the listings finish
    in."""
    bucket, key = split_uri(uri)
    if not bucket:
        raise InputDataError(f"dataset_source {uri}: no bucket in the URI")
    s3 = client()
    files: list[str] = []
    stats: list[tuple[int, int]] = []
    searched: list[str] = []
    pruned: list[str] = []
    refused: list[tuple[str, str]] = []

    def add(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            name = obj["Key"].rsplit("/", 1)[-1]
            if wanted(name) and not obj["Key"].endswith("/"):
                reason = unsafe_key(obj["Key"])
                if reason is None:
                    files.append(f"{SCHEME}{bucket}/{obj['Key']}")
                    stats.append(object_stat(obj))
                else:
                    refused.append((f"{SCHEME}{bucket}/{obj['Key']}", reason))

    # In the walk's order: a page's objects, or the listing of an hour prefix under way.
    chunks: list[list[dict[str, Any]] | Future[list[dict[str, Any]]]] = []

    def everything(prefix: str) -> list[dict[str, Any]]:
        pages = _pages(s3, bucket, prefix, delimiter=False)
        return [obj for page in pages for obj in page.get("Contents", [])]

    def walk(prefix: str, parts: list[str], pool: ThreadPoolExecutor) -> None:
        for page in _pages(s3, bucket, prefix, delimiter=True):
            chunks.append(page.get("Contents", []))
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
                    chunks.append(pool.submit(everything, child))
                else:
                    walk(child, [*parts, name], pool)

    def run() -> None:
        # A single object, or a prefix to walk.
        if key and not key.endswith("/"):
            head = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=2).get("Contents", [])
            for obj in head:
                if obj["Key"] == key:
                    files.append(uri)
                    stats.append(object_stat(obj))
                    return
        with ThreadPoolExecutor(max_workers=LIST_THREADS) as pool:
            walk(key.rstrip("/") + "/" if key else "", [], pool)
            for chunk in chunks:
                add(chunk.result() if isinstance(chunk, Future) else chunk)

    guarded(f"dataset_source {uri}", InputDataError, run)
    return files, stats, searched, pruned, refused


def object_stat(obj: dict[str, Any]) -> tuple[int, int]:
    """(size, modification time in ms) of a listed object."""
    return int(obj["Size"]), int(obj["LastModified"].timestamp() * 1000)


# S3 allows 1,024 bytes of key; anything longer did not come from S3.
MAX_KEY_BYTES = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOCAL_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_LOCAL_NAME_CHARS = 80


def unsafe_key(key: str) -> str | None:
    """Why an object key cannot stand for one file, or None. Keys are data, but a key with
    a leading ``/``, an empty, ``.`` or ``..`` segment names the same file as another key
    once any filesystem (a local disk, Hadoop's ``Path`` in S3A or EMRFS) normalises it:
    such a key is refused by name wherever it is read, so every run reads the same objects
    whichever way it reads S3."""
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"key longer than S3's {MAX_KEY_BYTES} bytes"
    if _CONTROL.search(key):
        return "key holds a control character"
    if key.startswith("/"):
        return "key starts with '/'"
    segments = key.split("/")
    if "" in segments[:-1]:
        return "key holds an empty segment ('//')"
    for dots in ("..", "."):
        if dots in segments:
            return f"key holds a '{dots}' segment"
    return None


def local_name(index: int, width: int, key: str) -> str:
    """The name a staged object gets: its position in the listing (so local order is the
    listing's), then its key's last segment with anything but ``[A-Za-z0-9._-]`` replaced
    (its suffix keeps Spark's codec detection: ``.gz``). Never a path: no separator, never
    ``.``/``..``, never hidden, and distinct for distinct positions."""
    tail = _LOCAL_SAFE.sub("_", key.rsplit("/", 1)[-1])[-_LOCAL_NAME_CHARS:]
    return f"{index:0{width}d}-{tail}"


GONE = ("404", "NoSuchKey")


def stage(uris: list[str], directory: Path) -> tuple[list[str], list[str]]:
    """Download objects (in parallel, straight to disk) into ``directory``, each under a
    name the job chooses (:func:`local_name`): a key is never a path, so none can write
    outside ``directory`` and distinct keys never share a file. Returns the local paths, in
    the order of ``uris``, and the objects that were listed but are gone (deleted, expired)
    by the time they are read: those are reported, not fatal. Any other failure (after
    botocore's retries) is one ``InputDataError`` naming the object and the AWS error
    code."""
    from botocore.exceptions import ClientError

    s3 = client()
    width = max(6, len(str(len(uris))))

    def fetch(item: tuple[int, str]) -> str | None:
        index, uri = item
        bucket, key = split_uri(uri)
        reason = unsafe_key(key)
        if reason is not None:  # the listing refuses these; a caller's list is checked too
            raise InputDataError(f"reading {uri}: {reason}")
        target = directory / local_name(index, width, key)
        try:
            guarded(f"reading {uri}", InputDataError, s3.download_file, bucket, key, str(target))
        except InputDataError as err:
            cause = err.__cause__
            if isinstance(cause, ClientError) and str(cause.response["Error"]["Code"]) in GONE:
                return None
            raise
        return str(target)

    with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
        fetched = list(pool.map(fetch, enumerate(uris)))
    local = [path for path in fetched if path is not None]
    gone = [uri for uri, path in zip(uris, fetched, strict=True) if path is None]
    return local, gone


def upload(files: list[tuple[str, str]]) -> None:
    """Upload ``(local path, s3 uri)`` pairs, in order (the summary goes last)."""
    s3 = client()
    for path, uri in files:
        bucket, key = split_uri(uri)
        guarded(f"cannot write output {uri}", OutputError, s3.upload_file, path, bucket, key)


def delete(uri: str, what: str) -> None:
    """Delete one object (S3 answers the same whether or not it was there)."""
    bucket, key = split_uri(uri)
    guarded(f"{what} {uri}", OutputError, client().delete_object, Bucket=bucket, Key=key)


def local_files(directory: Path) -> list[str]:
    """The files below ``directory`` (not the hidden ones: temporary files), sorted."""
    return sorted(
        str(p) for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")
    )


def join(uri: str, *parts: str) -> str:
    return "/".join([uri.rstrip("/"), *(p.strip("/") for p in parts)])


def env_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "AWS"
