"""``python -m monitor_job``: the same program as the ``monitor-job`` console script."""

from __future__ import annotations

from monitor_job.cli import main

raise SystemExit(main())
