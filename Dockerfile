# monitor-job container: SageMaker Processing image / `docker run` (container mode).
# Not built in CI (no Docker engine there); its install step is scripts/install.sh, the
# same script `make setup` (and so CI) runs, and tests/test_container.py runs it into a
# fresh virtualenv exactly as below, then runs the installed entrypoint in container mode.
FROM python:3.11.10-slim-bookworm

ARG DEEQU_VERSION=2.1.0-spark-3.5

LABEL org.opencontainers.image.title="monitor-job" \
      org.opencontainers.image.description="Open drop-in for the SageMaker Model Monitor analyzer" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MONITOR_JOB_DEEQU_JAR=/opt/monitor-job/jars/deequ-${DEEQU_VERSION}.jar \
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

COPY pyproject.toml README.md /src/
COPY monitor_job /src/monitor_job
COPY scripts/install.sh scripts/install-deequ.sh scripts/build-jvm.sh /src/scripts/
COPY preprocessors /opt/monitor-job/preprocessors

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl ca-certificates procps \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && DEEQU_VERSION=${DEEQU_VERSION} PIP_NO_CACHE_DIR=1 \
    bash /src/scripts/install.sh python /opt/monitor-job/jars /src \
 && apt-get purge -y curl openjdk-17-jdk-headless && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /src \
 && useradd --create-home --uid 1000 monitor \
 && mkdir -p /opt/ml/output /opt/ml/processing && chown -R monitor /opt/ml

USER monitor
ENTRYPOINT ["python", "-m", "monitor_job"]
