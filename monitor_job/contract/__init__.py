"""Shared plumbing, at the bottom: the job's inputs (env, processingjobconfig.json, CLI, YAML)
parsed once into a frozen config (``config``), with ``dataset_format`` in ``formats``.
Imports no monitor type."""

from __future__ import annotations

from monitor_job.contract.config import AnalysisType, JobConfig, config_from_mapping
from monitor_job.contract.formats import DatasetFormat
from monitor_job.contract.sources import (
    config_from_container,
    config_from_yaml,
    container_environment,
)

__all__ = [
    "AnalysisType",
    "DatasetFormat",
    "JobConfig",
    "config_from_container",
    "config_from_mapping",
    "config_from_yaml",
    "container_environment",
]
