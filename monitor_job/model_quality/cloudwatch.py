"""The model-quality CloudWatch lines: one ``Value`` line per scalar metric, in the
``model-metrics`` namespaces (RESEARCH-NOTES §7.2) with the data-quality dimensions."""

from __future__ import annotations

from monitor_job.contract import JobConfig
from monitor_job.outputs import cloudwatch
from monitor_job.outputs.cloudwatch import MetricTarget

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/model-metrics"


def metric_target(config: JobConfig) -> MetricTarget:
    return cloudwatch.target_for(config, ENDPOINT_NAMESPACE, BATCH_NAMESPACE)
