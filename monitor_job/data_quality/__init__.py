"""Data quality (``analysis_type=DATA_QUALITY``, the default): the SageMaker Model Monitor
analyzer's own job. This package owns its records (the input listed, decoded and profiled:
``records``), its analysis (per-feature statistics in one scan: ``analysis``, with the
result values in ``profile``, Deequ's data types in ``datatypes`` and KLL sketches in
``kll``), the constraints it suggests (``suggest``), its checks against a baseline (the six
violation checks: ``checks``, with the drift distances in ``distance`` and the baseline
read in ``baseline``), its documents (``statistics.json`` and ``constraints.json``, read and
written: ``documents``), its CloudWatch lines (``cloudwatch``), its job (``job``), its
command line and console summary (``command``), and its report page (``view``, with the
page of several runs in ``history``)."""
