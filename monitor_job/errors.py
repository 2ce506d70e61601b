"""Typed errors and their exit codes: the only place exit codes are defined.

Only the entrypoint maps an error to an exit code and a one-line message.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_CONFIG = 2
EXIT_INPUT = 3
EXIT_EMPTY_INPUT = 4
EXIT_BASELINE = 5
EXIT_HANDLER = 6
EXIT_OUTPUT = 7
EXIT_METRICS = 8
EXIT_CLUSTER = 9
EXIT_STOPPED = 10
EXIT_MODEL = 11


class MonitorJobError(Exception):
    """Base class of every error the job reports to its caller."""

    exit_code = EXIT_INTERNAL
    kind = "InternalError"


class ConfigError(MonitorJobError):
    """The job's configuration (env, processingjobconfig.json, CLI, YAML) is invalid."""

    exit_code = EXIT_CONFIG
    kind = "ConfigError"


class InputDataError(MonitorJobError):
    """The dataset cannot be read or decoded."""

    exit_code = EXIT_INPUT
    kind = "InputDataError"


class EmptyInputError(InputDataError):
    """No records to analyse (empty dataset or empty window)."""

    exit_code = EXIT_EMPTY_INPUT
    kind = "NoData"


class BaselineError(MonitorJobError):
    """Baseline statistics or constraints are missing or unreadable."""

    exit_code = EXIT_BASELINE
    kind = "BaselineError"


class HandlerError(MonitorJobError):
    """A user script (preprocess_handler / postprocess_handler) cannot be loaded or failed."""

    exit_code = EXIT_HANDLER
    kind = "HandlerError"


class OutputError(MonitorJobError):
    """An output file cannot be written."""

    exit_code = EXIT_OUTPUT
    kind = "OutputError"


class MetricsPublishError(MonitorJobError):
    """PutMetricData failed after retries; the output files are complete and kept."""

    exit_code = EXIT_METRICS
    kind = "MetricsPublishError"


class ClusterError(MonitorJobError):
    """The hosts of a multi-instance job could not form a Spark cluster."""

    exit_code = EXIT_CLUSTER
    kind = "ClusterError"


class StoppedError(MonitorJobError):
    """The job was asked to stop (SIGTERM: SageMaker's StopProcessingJob, docker stop)."""

    exit_code = EXIT_STOPPED
    kind = "Stopped"


# The stop received during this call of the entrypoint, set by the SIGTERM handler
# (:mod:`monitor_job.runtime.signals`); kept here, at the bottom, so that every layer can
# ask for it.
_STOPS: list[StoppedError] = []


def record_stop(error: StoppedError) -> None:
    _STOPS.append(error)


def clear_stops() -> None:
    _STOPS.clear()


def stop_request() -> StoppedError | None:
    """The stop received during this call of the entrypoint, if any."""
    return _STOPS[0] if _STOPS else None


def raise_if_stopped(err: BaseException | None = None) -> None:
    """Every ``except`` that carries on after an error (a run left out, a record counted,
    a fallback) calls this first: a stop is never swallowed, whether it arrives as the
    :class:`StoppedError` the handler raised or as the error it surfaced as (py4j's, a
    reader's)."""
    stop = stop_request()
    if stop is None:
        if isinstance(err, StoppedError):  # raised without the handler: still a stop
            raise err
        return
    if err is stop:
        raise stop
    raise stop from err


class ModelError(MonitorJobError):
    """The model an explainability run calls (an endpoint, an HTTP server, a predict
    script) failed, timed out or answered in the wrong shape."""

    exit_code = EXIT_MODEL
    kind = "ModelError"


ALL_ERRORS: tuple[type[MonitorJobError], ...] = (
    MonitorJobError,
    ConfigError,
    InputDataError,
    EmptyInputError,
    BaselineError,
    HandlerError,
    OutputError,
    MetricsPublishError,
    ClusterError,
    StoppedError,
    ModelError,
)
