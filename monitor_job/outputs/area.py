"""Where a job writes: the output directory itself, or a local staging copy of an S3 prefix.

Files are always written complete and atomically to a local directory first; for an
``s3://`` output they are uploaded only by :meth:`OutputArea.publish`, after the run has
written every one of them (the summary last), so a failed run uploads nothing. When the
upload itself fails, the computed files are kept on local disk, in a directory the error
names, and ``monitor-job upload DIR s3://...`` finishes the job later.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor_job.errors import ConfigError, OutputError
from monitor_job.io import s3

log = logging.getLogger("monitor_job")


class OutputArea:
    def __init__(self, uri: str, local: str) -> None:
        self.uri = uri
        self.local = local
        self.staged = local != uri
        self.keep = False  # set when an upload failed: the staged files must survive

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
        try:
            s3.upload([(f, self.final(f)) for f in files])
        except OutputError as err:
            self.keep = True
            log.error("the computed output files are kept in %s", self.local)
            raise OutputError(
                f"{err}; the computed files are kept in {self.local}: "
                f"finish with `monitor-job upload {self.local} {self.uri}`"
            ) from err
        log.info("uploaded %d output file(s) to %s", len(files), self.uri)


def upload_directory(local: str, uri: str) -> int:
    """``monitor-job upload``: upload a kept output directory (the summary last)."""
    directory = Path(local)
    if not directory.is_dir():
        raise ConfigError(f"upload: {local} is not a directory")
    area = OutputArea(uri, str(directory))
    files = [str(p) for p in s3.local_files_below(directory)]
    summary = next((f for f in files if Path(f).name == "monitor-job-summary.json"), None)
    area.publish(last=summary)
    return len(files)


def check_local_writable(directory: str, what: str) -> None:
    """Prove that a local directory can be written (made if missing), before any work: a
    probe file is created and removed (permission bits alone do not tell, e.g. for root on
    a read-only mount)."""
    path = Path(directory)
    made: list[Path] = []  # removed again: a run that fails later leaves no empty directory
    try:
        missing = path
        while not missing.exists() and missing != missing.parent:
            made.append(missing)
            missing = missing.parent
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".monitor-job-write-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"cannot write {what} {directory}: {err.strerror or err}") from err
    finally:
        for created in made:  # deepest first
            try:
                created.rmdir()
            except OSError:
                break


@contextmanager
def output_area(uri: str) -> Iterator[OutputArea]:
    """The run's output area. An ``s3://`` output is proved writable here, before any work
    (and so before Spark starts): a typo in the bucket fails in seconds, not after the run."""
    if not s3.is_s3(uri):
        check_local_writable(uri, "output_path")
        yield OutputArea(uri, uri)
        return
    s3.check_writable(uri, "output_path")
    local = tempfile.mkdtemp(prefix="monitor-job-output-")
    area = OutputArea(uri, local)
    try:
        yield area
    finally:
        if not area.keep:
            shutil.rmtree(local, ignore_errors=True)
