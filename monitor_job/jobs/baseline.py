"""The data-quality baseline ("suggest") job: statistics.json + constraints.json."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor_job.constraints import suggest
from monitor_job.contract import JobConfig
from monitor_job.io.listing import InputListing
from monitor_job.jobs.analyse import analyse
from monitor_job.jobs.finish import finish_run
from monitor_job.outputs import statistics_document, write_json_files
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.summary import Outcome
from monitor_job.report import RunDocuments
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def run_baseline(
    spark: SparkSession, config: JobConfig, area: OutputArea, listing: InputListing | None = None
) -> Outcome:
    prof, notes = analyse(spark, config, listing=listing)
    documents = {
        "statistics.json": statistics_document(prof),
        "constraints.json": suggest(prof, config.categorical_drift_method),
    }
    set_phase("writing outputs")
    files = write_json_files(area.local, documents)
    outcome = Outcome("baseline", 0, tuple(area.final(f) for f in files), prof, notes)
    report = RunDocuments(documents["statistics.json"], constraints=documents["constraints.json"])
    return finish_run(area, config, outcome, report)
