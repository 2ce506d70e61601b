"""What SageMaker Clarify's monitors share, below the monitor types that speak Clarify (bias,
and explainability next): its ``analysis_config.json``, read once
(:mod:`~monitor_job.clarify.config`), and the shapes of its output files
(:mod:`~monitor_job.clarify.documents`). Imports no monitor type."""
