"""Bias (``analysis_type=MODEL_BIAS``, SageMaker Clarify compatible). This package owns its
config (Clarify's ``analysis_config.json`` for bias: ``config``), its records (a labelled
CSV, or captures merged with ground truth: ``records``), its analysis (the cell counts of
every facet in one Spark aggregation, ``analysis``, and Clarify's metrics on them,
``metrics``), its checks against a baseline (drift: ``checks``), its documents (Clarify's
``analysis.json``: ``documents``), its CloudWatch lines (``cloudwatch``), its job
(``job``), its command line and console summary (``command``), and its report page
(``view``). What it shares with explainability is in :mod:`monitor_job.clarify`."""
