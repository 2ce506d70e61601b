"""Shared plumbing: where the job runs. The Spark session (built by ``main()``, never at
import time) and the PyDeequ import (``spark``, ``deequ``), the job's JVM aggregates
(``jvm``), a multi-instance cluster (``cluster``), the user the job runs as
(``privileges``), the progress line (``progress``) and SIGTERM (``signals``). Imports no
monitor type."""

from __future__ import annotations
