"""SIGTERM (StopProcessingJob, ``docker stop``): the run unwinds cleanly, and no output is
half-written because every file is renamed into place only when complete."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from monitor_job.errors import StoppedError, clear_stops, record_stop, stop_request

__all__ = ["quiet_while_stopping", "stop_request", "stoppable"]


def _stop(signum: int, _frame: object) -> None:
    """The error may reach the entrypoint wrapped in another (py4j, a reader's error): the
    recorded stop wins there (:func:`stop_request`)."""
    error = StoppedError(f"received signal {signum}; stopped before completion")
    record_stop(error)
    raise error


def quiet_while_stopping(record: logging.LogRecord) -> bool:
    """py4j logs the call a stop interrupted as an error with its traceback, on the root
    logger; during a stop that is expected, and the job's one ``Stopped:`` line says it."""
    return not (
        stop_request() is not None
        and record.name == "root"
        and record.getMessage().startswith("Exception while sending command")
    )


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM is handled for the duration (the previous handler is restored after); off
    the main thread, where no handler can be set, nothing changes."""
    clear_stops()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
