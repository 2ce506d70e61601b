"""Explainability (``analysis_type=MODEL_EXPLAINABILITY``, SageMaker Clarify compatible):
Kernel SHAP values of a dataset or of captured requests against the model where it runs,
their global values per label (``analysis.json``), and with a baseline's analysis.json the
feature attribution drift check (nDCG). This package owns its config, model client,
explanation, checks, metrics and report page; what it shares with bias is in
:mod:`monitor_job.clarify`."""
