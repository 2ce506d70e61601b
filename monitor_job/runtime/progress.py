"""Progress lines for long runs, from Spark's status store (not from Python per record).

While a run goes on, a daemon thread prints one line every ``MONITOR_JOB_PROGRESS_SECONDS``
(default 10; 0 turns it off): the job's phase, the tasks done of the active stages' total,
and the input read so far by this run (bytes and records of its stages, as Spark's
listener counts them when tasks end). This is what a person watching CloudWatch Logs sees
of a long run.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")

INTERVAL_ENV = "MONITOR_JOB_PROGRESS_SECONDS"
_phase = ["starting"]


def set_phase(name: str) -> None:
    """Name what the run is doing now (shown in the next progress line)."""
    _phase[0] = name


def interval_seconds() -> float:
    raw = os.environ.get(INTERVAL_ENV, "10")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return 10.0


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover - unreachable


def _seq(scala_seq: Any) -> list[Any]:
    return [scala_seq.apply(i) for i in range(scala_seq.size())]


def snapshot(spark: SparkSession) -> dict[str, int]:
    """Tasks of the active stages and input read by all stages so far."""
    context = spark.sparkContext
    store = context._jsc.sc().statusStore()
    active = _seq(store.activeStages())
    gateway = context._gateway
    assert gateway is not None  # a live session has its gateway
    # AppStatusStore.stageList(statuses=all, details, withSummaries, quantiles, taskStatus)
    every = _seq(
        store.stageList(None, False, False, gateway.new_array(gateway.jvm.double, 0), None)
    )
    read_bytes = sum(int(stage.inputBytes()) for stage in every)
    read_records = sum(int(stage.inputRecords()) for stage in every)
    return {
        "stages": len(active),
        "done": sum(int(s.numCompleteTasks()) for s in active),
        "total": sum(int(s.numTasks()) for s in active),
        "bytes": read_bytes,
        "records": read_records,
    }


def describe(state: dict[str, int], elapsed: float) -> str:
    tasks = (
        f"tasks {state['done']}/{state['total']} in {state['stages']} stage(s)"
        if state["stages"]
        else "no active stage"
    )
    return (
        f"progress: {_phase[0]}, {tasks}, input read {_size(state['bytes'])} "
        f"({state['records']:,} records), {elapsed:.0f} s"
    )


class Progress:
    """``with Progress(spark):`` prints a progress line every interval until the block ends."""

    def __init__(self, spark: SparkSession, interval: float | None = None) -> None:
        self.spark = spark
        self.interval = interval_seconds() if interval is None else interval
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="monitor-job-progress", daemon=True)
        self.started = time.monotonic()
        self.read_before = (0, 0)

    def __enter__(self) -> Progress:
        if self.interval > 0:
            # Input is counted from here: a shared session's earlier stages are not this run's.
            start = snapshot(self.spark)
            self.read_before = (start["bytes"], start["records"])
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                state = snapshot(self.spark)
            except Exception as err:  # the session is going away: stop quietly
                log.debug("progress: status store unavailable: %s", err)
                return
            state["bytes"] -= self.read_before[0]
            state["records"] -= self.read_before[1]
            log.info("%s", describe(state, time.monotonic() - self.started))
