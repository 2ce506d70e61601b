"""The frame every run shares, around its monitor type's analysis: the user's scripts loaded
and the local outputs proved writable before Spark starts; the output area, the Spark session
and the progress line while it works; ``postprocess_handler`` after it succeeded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor_job.contract import JobConfig
from monitor_job.decode.preprocess import check_script
from monitor_job.io.s3 import is_s3
from monitor_job.outputs.area import OutputArea, check_local_writable, output_area
from monitor_job.outputs.postprocess import load_postprocessor, run_postprocessor
from monitor_job.report.charts import warm_up
from monitor_job.runtime.progress import Progress, set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def load_scripts(config: JobConfig) -> Callable[..., Any] | None:
    """``postprocess_handler`` imported and ``preprocess_handler`` checked, before Spark
    starts (like the closed analyzer): the post-analytics function, if any."""
    post = config.post_analytics_processor_script
    postprocess = load_postprocessor(post) if post else None
    if config.record_preprocessor_script:
        check_script(config.record_preprocessor_script, "preprocess_handler")
    return postprocess


def check_writable(config: JobConfig) -> None:
    """The message file and (for monitoring) a local metrics directory are written at the
    end: proved writable now. :func:`spark_run`'s output area proves the output location."""
    if config.output_message_file:
        check_local_writable(str(Path(config.output_message_file).parent), "output_message_file")
    metrics = config.cloudwatch_metrics_directory
    if config.is_monitoring and not is_s3(metrics):
        check_local_writable(metrics, "cloudwatch_metrics_directory")


@contextmanager
def spark_run(config: JobConfig) -> Iterator[tuple[SparkSession, OutputArea]]:
    """The output area, then the Spark session with its progress line."""
    from monitor_job.runtime.spark import build_session

    with output_area(config.output_path) as area:
        warm_up()  # report.html's chart engine starts while Spark works
        set_phase("starting Spark")
        spark = build_session()
        with Progress(spark):
            yield spark, area


def finish_scripts(config: JobConfig, postprocess: Callable[..., Any] | None) -> None:
    """``postprocess_handler()``, once the analysis succeeded."""
    post = config.post_analytics_processor_script
    if post and postprocess is not None:
        run_postprocessor(post, postprocess)
