"""Where a job writes: the output directory itself, or a local staging copy of an S3 prefix.

Files are always written complete and atomically to a local directory first; for an
``s3://`` output they are uploaded only by :meth:`OutputArea.publish`, after the run has
written every one of them (the summary last), so a failed run uploads nothing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor_job.errors import ConfigError
from monitor_job.io import s3

log = logging.getLogger("monitor_job")


class OutputArea:
    def __init__(self, uri: str, local: str) -> None:
        self.uri = uri
        self.local = local
        self.staged = local != uri

    def local_for(self, uri: str) -> str:
        """The local directory standing for ``uri`` (the output path or a directory in it)."""
        if not self.staged:
            if s3.is_s3(uri):
                raise ConfigError(f"{uri}: S3 directories must lie under output_path {self.uri}")
            return uri
        if uri.rstrip("/") == self.uri.rstrip("/"):
            return self.local
        root = self.uri.rstrip("/") + "/"
        if uri.startswith(root):
            return str(Path(self.local) / uri[len(root) :])
        if s3.is_s3(uri):
            raise ConfigError(f"{uri}: S3 directories must lie under output_path {self.uri}")
        return uri

    def final(self, path: str) -> str:
        """Where a file written at local ``path`` ends up."""
        if not self.staged or not path.startswith(self.local):
            return path
        return s3.join(self.uri, Path(path).relative_to(self.local).as_posix())

    def publish(self, last: str | None = None) -> None:
        """Upload every staged file (``last``, the summary, at the end)."""
        if not self.staged:
            return
        files = [str(p) for p in s3.local_files_below(Path(self.local))]
        if last is not None and last in files:
            files.remove(last)
            files.append(last)
        s3.upload([(f, self.final(f)) for f in files])
        log.info("uploaded %d output file(s) to %s", len(files), self.uri)


@contextmanager
def output_area(uri: str) -> Iterator[OutputArea]:
    if not s3.is_s3(uri):
        yield OutputArea(uri, uri)
        return
    local = tempfile.mkdtemp(prefix="monitor-job-output-")
    try:
        yield OutputArea(uri, local)
    finally:
        shutil.rmtree(local, ignore_errors=True)
