"""Where a job writes: the output directory itself, or a local staging copy of an S3 prefix.

Files are always written complete and atomically to a local directory first; for an
``s3://`` output they are uploaded only by :meth:`OutputArea.publish`, after the run has
written every one of them (the summary last), so a failed run uploads nothing. When the
upload itself fails, the computed files are kept on local disk, in a directory the error
names, and ``monitor-job upload DIR s3://...`` finishes the job later.

A run's files are one set: the summary comes last and lists every other file of the set
with its size and SHA-256 (:meth:`OutputArea.inventory`), and a run writing into a place
that holds an earlier run's files removes that run's summary before it writes anything
(locally before its first file, on S3 before its first upload). A reader that finds our
files without a summary has found an unfinished run; one whose files do not match the
summary's list has found a mix of two runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from monitor_job.errors import ConfigError, OutputError
from monitor_job.io import s3
from monitor_job.outputs.summary import SUMMARY_FILE
from monitor_job.outputs.writer import dumps, write_text_files

log = logging.getLogger("monitor_job")


class OutputArea:
    def __init__(self, uri: str, local: str) -> None:
        self.uri = uri
        self.local = local
        self.staged = local != uri
        self.keep = False  # set when an upload failed: the staged files must survive
        self.started = False  # set by the first write: an earlier run's summary is gone

    def write(
        self, files: Mapping[str, str | bytes | Iterable[str]], directory: str | None = None
    ) -> list[str]:
        """Write ``{name: text, bytes or text in pieces}`` atomically into the output (or
        ``directory`` in it); the first write of a run removes an earlier run's summary in
        the output."""
        if not self.started:
            self.started = True
            try:
                Path(self.local, SUMMARY_FILE).unlink(missing_ok=True)
            except OSError as err:
                raise OutputError(
                    f"cannot remove the earlier run's {SUMMARY_FILE} in {self.uri}: "
                    f"{err.strerror or err}"
                ) from err
        return write_text_files(directory or self.local, files)

    def write_json(self, documents: Mapping[str, Any]) -> list[str]:
        return self.write({name: dumps(doc) for name, doc in documents.items()})

    def inventory(self, finals: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{path relative to the output: {"bytes", "sha256"}}`` of the run's files that lie
        in the output (a metrics directory elsewhere is not part of the set)."""
        root = self.uri.rstrip("/") + "/"
        listed: dict[str, dict[str, Any]] = {}
        for final in finals:
            if self.staged:  # an S3 URI under the output's
                if not final.startswith(root):
                    continue
                relative = final[len(root) :]
            else:  # a local path: ./out/x and out/x are the same file
                try:
                    relative = Path(final).relative_to(Path(self.local)).as_posix()
                except ValueError:
                    continue
            with open(Path(self.local) / relative, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256")
                size = handle.tell()
            listed[relative] = {"bytes": size, "sha256": digest.hexdigest()}
        return dict(sorted(listed.items()))

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

    def publish(self, last: str | None = None, only: Sequence[str] | None = None) -> None:
        """Upload every staged file (or ``only`` those), ``last`` (the summary) at the end;
        an earlier run's summary at the destination is deleted before the first upload."""
        if not self.staged:
            return
        files = list(only) if only is not None else s3.local_files(Path(self.local))
        if last is not None and last in files:
            files.remove(last)
            files.append(last)
        try:
            if only is None:
                s3.delete(s3.join(self.uri, SUMMARY_FILE), "cannot write output")
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
    files = s3.local_files(directory)
    summary = next((f for f in files if Path(f).name == SUMMARY_FILE), None)
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
