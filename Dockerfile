# monitor-job container: the SageMaker Processing image, and `docker run` locally.
# Builds with the legacy builder as well as BuildKit (no BuildKit-only syntax). Its install
# step is scripts/install.sh, the same script `make setup` runs; tests/test_image.py builds
# this file and runs the image the way SageMaker Processing does.
#
# Extra CA certificates (a TLS-inspecting proxy): every configs/ca-certificates/*.crt is
# trusted by the build (pip, curl) and by the image (boto3, S3).

# ---- build: a JDK to compile the job's JVM aggregates; pip and curl fetch the rest ----
FROM debian:bookworm-slim AS build
ARG DEEQU_VERSION=2.1.0-spark-3.5
COPY configs/ca-certificates/ /usr/local/share/ca-certificates/monitor-job/
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv openjdk-17-jdk-headless curl ca-certificates \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Dependencies first, from pyproject.toml alone: a change to the package's code rebuilds
# from the next layer on, without fetching PySpark again.
COPY pyproject.toml /src/
RUN python3 -m venv /opt/monitor-job/venv \
 && python3 -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.argv[1], '-m', 'pip', 'install', '-q', *deps])" \
    /opt/monitor-job/venv/bin/python
COPY scripts/install-deequ.sh /src/scripts/
RUN DEEQU_VERSION=${DEEQU_VERSION} bash /src/scripts/install-deequ.sh /opt/monitor-job/jars
COPY README.md /src/
COPY monitor_job /src/monitor_job
COPY scripts/install.sh scripts/build-jvm.sh /src/scripts/
RUN DEEQU_VERSION=${DEEQU_VERSION} \
    bash /src/scripts/install.sh /opt/monitor-job/venv/bin/python /opt/monitor-job/jars /src \
 && find /opt/monitor-job/venv -name '__pycache__' -prune -exec rm -rf {} +

# ---- runtime: Debian's python3 and a JRE; the venv and jars from the build stage ----
FROM debian:bookworm-slim
ARG DEEQU_VERSION=2.1.0-spark-3.5
LABEL org.opencontainers.image.title="monitor-job" \
      org.opencontainers.image.description="Open drop-in for the SageMaker Model Monitor analyzer" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY configs/ca-certificates/ /usr/local/share/ca-certificates/monitor-job/
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 openjdk-17-jre-headless ca-certificates procps \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/* /usr/local/share/ca-certificates/monitor-job/README.md \
 && useradd --create-home --uid 1000 monitor \
 && mkdir -p /opt/ml/output /opt/ml/processing && chown -R monitor /opt/ml
COPY --from=build /opt/monitor-job /opt/monitor-job
COPY preprocessors /opt/monitor-job/preprocessors
ENV PATH=/opt/monitor-job/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MONITOR_JOB_DEEQU_JAR=/opt/monitor-job/jars/deequ-${DEEQU_VERSION}.jar \
    AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    MONITOR_JOB_RUN_AS=monitor
# Started as root (SageMaker and the SDK's local mode mount root-owned volumes, local
# mode with mode 0700); the job drops to the user `monitor` before Spark starts when that
# user can read every input and write every output, and says so in its log either way.
# MONITOR_JOB_RUN_AS=root keeps root; `docker run --user monitor` starts unprivileged.
WORKDIR /home/monitor
ENTRYPOINT ["python", "-m", "monitor_job"]
