"""Read small JSON documents (baseline statistics / constraints) from a path or ``s3://``.

S3 goes through boto3 with the standard AWS configuration (``AWS_ENDPOINT_URL`` and the
usual credential chain), so the same call reaches AWS, MinIO or a local moto server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor_job.errors import BaselineError
from monitor_job.io.s3 import is_s3, read_bytes


def read_text(uri: str, what: str) -> str:
    """The text of ``uri``; any failure is a :class:`BaselineError` naming ``what``."""
    if is_s3(uri):
        return read_bytes(uri, what, BaselineError).decode("utf-8", errors="replace")
    path = Path(uri[len("file://") :] if uri.startswith("file://") else uri)
    if path.is_dir():
        raise BaselineError(f"{what} {uri} is a directory; give the JSON file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise BaselineError(f"{what} not found: {uri}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise BaselineError(f"{what} {uri}: cannot read ({err})") from err


def read_json(uri: str, what: str) -> Any:
    text = read_text(uri, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BaselineError(
            f"{what} {uri} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from err
