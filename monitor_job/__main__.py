"""``python -m monitor_job``: the same program as the ``monitor-job`` console script."""

from __future__ import annotations

from monitor_job.cli import main

if __name__ == "__main__":  # not when a helper process re-imports the main module
    raise SystemExit(main())
