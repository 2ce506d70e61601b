"""Write output files so that none is ever seen half-written.

Every document is first written to a temporary file in the destination directory and
fsynced; only when all of them are complete are they renamed into place.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from monitor_job.errors import OutputError


def _clean(value: Any) -> Any:
    """JSON has no NaN/Infinity: the contract writes them as strings, like the container."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(document: Any) -> str:
    return json.dumps(_clean(document), indent=2, allow_nan=False) + "\n"


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_text_files(directory: str, files: Mapping[str, str | bytes | Iterable[str]]) -> list[str]:
    """Atomically publish ``{file name: text, bytes, or text in pieces}`` into
    ``directory`` (pieces are written as they come: a file larger than memory); return the
    paths."""
    target = Path(directory)
    temps: list[tuple[str, Path]] = []
    mode = 0o666 & ~_umask()  # mkstemp makes 0600; outputs get what open() would give
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target)
            temps.append((tmp, target / name))
            os.fchmod(fd, mode)
            pieces = [text] if isinstance(text, (str, bytes)) else text
            with os.fdopen(fd, "wb") as handle:
                for piece in pieces:
                    handle.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, final in temps:
            os.replace(tmp, final)
    except BaseException as err:  # incl. a stop signal: leave no temp file behind
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write output to {directory}: {err.strerror or err}") from err
        raise
    return [str(final) for _, final in temps]


def write_json_files(directory: str, documents: Mapping[str, Any]) -> list[str]:
    return write_text_files(directory, {name: dumps(doc) for name, doc in documents.items()})
