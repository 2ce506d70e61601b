"""monitor-job: an open drop-in for the SageMaker Model Monitor analyzer container.

The layout, bottom to top (each layer imports only the layers below it; ``tests/test_layout.py``
reads the imports and enforces it):

* shared plumbing: ``errors``; ``contract`` (the job's settings, parsed once); ``io`` (find
  and read the input); ``runtime`` (Spark, the JVM, the cluster, signals, progress);
  ``decode`` (records to a flat frame); ``report`` (the page engine); ``outputs`` (files,
  metrics, summary, the frame of a run); ``monitor_type`` (what a type registers);
* what two types share: ``groundtruth`` (predictions merged with labels: model quality and
  bias), ``clarify`` (Clarify's config and file shapes: bias, and explainability next);
* the monitor types, side by side, none importing another: ``data_quality``,
  ``model_quality``, ``bias``, each with the same parts (``analysis``, ``checks``,
  ``documents``, ``cloudwatch``, ``job``, ``command``, ``view``, and ``records``/``config``
  where it has its own);
* the registry and entrypoint: ``monitors``, ``commands``, ``cli``.
"""

from __future__ import annotations

__version__ = "0.1.0"
