"""What every run writes, whatever its monitor type: files written atomically into an output
area (local, or staged and uploaded to S3) (:mod:`~monitor_job.outputs.area`,
:mod:`~monitor_job.outputs.writer`), the CloudWatch metrics file and PutMetricData
(:mod:`~monitor_job.outputs.cloudwatch`), the run summary and exit message
(:mod:`~monitor_job.outputs.summary`), the end of a run with its report page
(:mod:`~monitor_job.outputs.finish`), the frame around a run's analysis
(:mod:`~monitor_job.outputs.lifecycle`) and the console summary
(:mod:`~monitor_job.outputs.console`). Imports no monitor type."""
