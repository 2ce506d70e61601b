"""What each task of a Spark application did, from Spark's own event log
(``spark.eventLog.enabled``): per stage, the records each task read (input records plus
shuffle records), to find stages whose work did not spread over the cluster; and with
``spark.eventLog.logStageExecutorMetrics`` each stage's peak executor heap."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stage:
    stage: int
    attempt: int
    tasks: tuple[int, ...]  # records read by each task

    @property
    def records(self) -> int:
        return sum(self.tasks)

    @property
    def busiest_share(self) -> float:
        return max(self.tasks) / self.records if self.records else 0.0


def stages(events: Iterable[str]) -> list[Stage]:
    """The stages of an event log's lines, with each task's records read."""
    tasks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for line in events:
        event = json.loads(line)
        if event.get("Event") != "SparkListenerTaskEnd":
            continue
        metrics = event.get("Task Metrics") or {}
        read = (metrics.get("Input Metrics") or {}).get("Records Read", 0)
        read += (metrics.get("Shuffle Read Metrics") or {}).get("Total Records Read", 0)
        tasks[(event["Stage ID"], event["Stage Attempt ID"])].append(int(read))
    return [Stage(s, a, tuple(t)) for (s, a), t in sorted(tasks.items())]


def skewed(found: list[Stage], rows: int, share: float = 0.6) -> list[Stage]:
    """The row-level stages (reading at least half as many records as the input has rows,
    not a merge of a few partial states) that put more than ``share`` of their records
    through one task."""
    return [s for s in found if s.records >= rows // 2 and s.busiest_share > share]


def read_log(directory: Path) -> list[Stage]:
    [log] = [p for p in directory.iterdir() if not p.name.endswith(".inprogress")]
    with log.open(encoding="utf-8") as lines:
        return stages(lines)


def peaks(events: Iterable[str]) -> dict[int, int]:
    """Per stage, the highest JVM heap in use (bytes) any executor reported while it ran
    (heap in use includes garbage not yet collected: an upper bound of what it held)."""
    out: dict[int, int] = {}
    for line in events:
        event = json.loads(line)
        if event.get("Event") != "SparkListenerStageExecutorMetrics":
            continue
        if event.get("Executor ID") == "driver":
            continue
        heap = int((event.get("Executor Metrics") or {}).get("JVMHeapMemory", 0))
        out[event["Stage ID"]] = max(out.get(event["Stage ID"], 0), heap)
    return out


def read_peaks(directory: Path) -> dict[int, int]:
    [log] = [p for p in directory.iterdir() if not p.name.endswith(".inprogress")]
    with log.open(encoding="utf-8") as lines:
        return peaks(lines)


def failed_tasks(directory: Path) -> list[str]:
    """The end reasons of the tasks that did not succeed (an executor lost, a fetch failed)."""
    [log] = [p for p in directory.iterdir() if not p.name.endswith(".inprogress")]
    out = []
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event.get("Event") == "SparkListenerTaskEnd":
                reason = (event.get("Task End Reason") or {}).get("Reason", "Success")
                if reason != "Success":
                    out.append(str(reason))
    return out
