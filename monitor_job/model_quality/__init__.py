"""Model quality (``analysis_type=MODEL_QUALITY``): a model's predictions against their
labels. This package owns its analysis (the metrics per problem type, aggregated in Spark
in ``analysis`` and finished on the driver in ``metrics``), its checks against a baseline
(``checks``), its documents (SageMaker's model-quality ``statistics.json``,
``constraints.json`` and violation rows: ``documents``), its CloudWatch lines
(``cloudwatch``), its job (``job``), its command-line options and console summary
(``command``), and its report page (``view``). Its records are the predictions merged with
their labels, read by :mod:`monitor_job.groundtruth`, which bias shares."""
