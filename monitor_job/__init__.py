"""monitor-job: an open drop-in for the SageMaker Model Monitor analyzer container."""

from __future__ import annotations

__version__ = "0.1.0"
