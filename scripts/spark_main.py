"""spark-submit's primary file: run monitor-job with the arguments after it.

    spark-submit --jars deequ.jar --py-files monitor-job.zip scripts/spark_main.py <args>

No arguments: container mode (the environment contract). See scripts/spark-submit.sh.
"""

from monitor_job.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
