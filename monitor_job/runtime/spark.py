"""Build (or join) the SparkSession the job runs on."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")

DEEQU_VERSION = "2.1.0-spark-3.5"
DEEQU_JAR = f"deequ-{DEEQU_VERSION}.jar"
# The job's own aggregates and UDFs (monitor_job/jvm), built beside the Deequ jar.
JVM_JAR = "monitor-job-jvm.jar"
# S3A, for executors that read s3:// input themselves: hadoop-aws for PySpark 3.5's Hadoop
# client (3.3.4) and the AWS SDK bundle it was built against (scripts/install-deequ.sh).
S3A_JARS = ("hadoop-aws-3.3.4.jar", "aws-java-sdk-bundle-1.12.262.jar")

# Defaults for a run. Under spark-submit the submitter's configuration wins; these only
# fill what it left unset.
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    # Wide fused aggregations fall back to interpreted mode past the default (100):
    # measured 2.4x slower on 21 columns x 6 statistics.
    "spark.sql.codegen.maxFields": "10000",
    "spark.sql.files.maxPartitionBytes": str(64 * 1024 * 1024),
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Wide fused aggregations generate methods past HotSpot's 8000-bytecode JIT limit; left
    # interpreted they ran the 1M-record profile ~2x slower (measured with jstack samples).
    # The throughput collector: a cold 1M-record profile 17.5-18.6 s against G1's 18.9-19.9.
    "spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods -XX:+UseParallelGC",
    "spark.executor.extraJavaOptions": "-XX:-DontCompileHugeMethods -XX:+UseParallelGC",
}
VERBOSE_ENV = "MONITOR_JOB_VERBOSE"
QUIET_LOG4J = Path(__file__).with_name("log4j2-quiet.properties")


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "").lower() in ("1", "true", "yes", "on")


def logging_java_options() -> str:
    """Log4j settings for the JVMs the job starts: the quiet file at default verbosity,
    Spark's own configuration at WARN with ``MONITOR_JOB_VERBOSE``."""
    if verbose():
        return "-Dlog4j2.level=WARN"
    return f"-Dlog4j2.configurationFile=file:{QUIET_LOG4J}"


# A secret shared by the hosts of a multi-instance job (the same value in each host's
# environment): the standalone master, its workers, the executors and the driver
# authenticate with it and encrypt their RPC (AES), and only then do credentials travel to
# the executors in the job's configuration. Without it the cluster is open to whoever
# reaches its ports.
SECRET_ENV = "MONITOR_JOB_SPARK_SECRET"
# Set by the leader of a multi-instance job to its hosts' count (runtime/cluster.py).
HOSTS_ENV = "MONITOR_JOB_CLUSTER_HOSTS"


def cluster_security(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings every process of a standalone cluster shares when a secret is set."""
    secret = environ.get(SECRET_ENV)
    if not secret:
        return {}
    return {
        "spark.authenticate": "true",
        "spark.authenticate.secret": secret,
        "spark.network.crypto.enabled": "true",
    }


def authenticated(spark: SparkSession) -> bool:
    """The session's cluster authenticates its members (or it is local: one process)."""
    conf = spark.sparkContext.getConf()
    local = str(conf.get("spark.master", "local")).startswith("local")
    return local or conf.get("spark.authenticate", "false") == "true"


# Local mode only, until the input is listed (size_shuffles): one machine's cores. On a
# cluster Spark's own default (200) stays until then.
LOCAL_ONLY = ("spark.sql.shuffle.partitions",)
# "true" when the submitter left spark.sql.shuffle.partitions to the job (build_session).
SHUFFLE_AUTO = "spark.monitor_job.shufflePartitions.auto"
SHUFFLE_BYTES = 64 << 20  # one shuffle partition per input split of spark-defaults.conf
MIN_SHUFFLE = 8
MAX_SHUFFLE = 100_000


def shuffle_partitions(input_bytes: int, cores: int) -> int:
    """A run's shuffle partitions: one per 64 MB of input (as many as its input splits), at
    least two per core (a small shuffle still uses every core, with a second wave for
    skew), at least 8, at most 100,000. Adaptive execution (on) coalesces the ones that turn
    out small, so a shuffle of records (the ground-truth merge, the AUC's sort, the bias
    sorts) spreads over the cluster without a task per kilobyte."""
    return min(MAX_SHUFFLE, max(MIN_SHUFFLE, 2 * cores, -(-input_bytes // SHUFFLE_BYTES)))


def size_shuffles(spark: SparkSession, input_bytes: int | None) -> None:
    """Set the session's shuffle partitions from the run's input (its listed bytes) and the
    cores Spark has (``defaultParallelism``: the executors registered so far on a cluster),
    unless the submitter set them."""
    if input_bytes is None or spark.conf.get(SHUFFLE_AUTO, "false") != "true":
        return
    cores = spark.sparkContext.defaultParallelism
    partitions = shuffle_partitions(input_bytes, cores)
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    log.info(
        "shuffle partitions: %d (%.1f MB of input, %d core(s))",
        partitions,
        input_bytes / 1e6,
        cores,
    )


def spark_defaults(local: bool = True) -> dict[str, str]:
    """LOCAL_DEFAULTS with the driver's logging options; on a cluster, without the
    local-only settings."""
    driver = LOCAL_DEFAULTS["spark.driver.extraJavaOptions"]
    defaults = {
        **LOCAL_DEFAULTS,
        "spark.driver.extraJavaOptions": f"{logging_java_options()} {driver}",
    }
    return {k: v for k, v in defaults.items() if local or k not in LOCAL_ONLY}


# The executors' heap on a multi-instance job: the smallest worker's memory, set by the
# leader once every host's worker has registered (runtime/cluster.py), unless set already.
EXECUTOR_MEMORY_ENV = "MONITOR_JOB_EXECUTOR_MEMORY"
# Held back on every host for the OS and the worker daemon, and on the leader also for the
# driver and the master (their heaps are Spark's default, 1 GB each at most).
HOST_RESERVE = 1 << 30
LEADER_RESERVE = 2 << 30


def worker_size(memory_bytes: int | None, cores: int | None, leader: bool) -> list[str]:
    """A multi-instance worker's ``--cores`` and ``--memory``, from its own host: every core
    it may use, and three quarters of its memory beyond the reserve (the rest covers the
    executor's off-heap memory and its Python workers); at least 512 MB. Empty where the
    host cannot tell (Spark's defaults: every core, the machine's memory less 1 GB)."""
    args: list[str] = []
    if cores:
        args += ["--cores", str(cores)]
    if memory_bytes:
        reserve = LEADER_RESERVE if leader else HOST_RESERVE
        megabytes = max(512, int((memory_bytes - reserve) * 0.75) >> 20)
        args += ["--memory", f"{megabytes}m"]
    return args


def cpu_limit() -> int | None:
    """The CPUs this process may use: its affinity, and a cgroup's quota (``docker run
    --cpus``, a container's limit), rounded up."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    quota = _cpu_quota()
    if quota is not None:
        cores = min(cores, quota) if cores else quota
    return cores or None


def _cpu_quota() -> int | None:
    """A cgroup's CPU quota in whole CPUs, rounded up (v2 ``cpu.max``, v1 CFS files)."""
    for path in ("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"):
        try:
            fields = Path(path).read_text().split()
            if path.endswith("cpu.max"):
                quota, period = fields[0], fields[1]
            else:
                quota = fields[0]
                period = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text().strip()
        except (OSError, IndexError):
            continue
        if quota.isdigit() and period.isdigit() and int(period) > 0:
            return max(1, -(-int(quota) // int(period)))
    return None


def memory_limit_bytes() -> int | None:
    """This machine's (or container's cgroup) memory limit, if it can be read."""
    limits: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(path).read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < 1 << 60:
            limits.append(int(raw))
    return min(limits) if limits else None


def local_driver_memory() -> str | None:
    """Heap for a local-mode JVM (driver and executors in one process).

    ``MONITOR_JOB_DRIVER_MEMORY`` sets it (``auto``: half the machine's or cgroup's memory
    limit). Unset, Spark's default (1g) stays: measured on the 1M-record benchmark, half of
    24 GB ran the baseline 8 % faster (99 s vs 107 s) for 3.8x the peak RSS (5.3 GB vs
    1.4 GB), and a bounded footprint is worth more to a monitoring job than 8 %."""
    configured = os.environ.get("MONITOR_JOB_DRIVER_MEMORY")
    if configured != "auto":
        return configured or None
    limit = memory_limit_bytes()
    return f"{max(1, int((limit or 0) * 0.5) >> 30)}g"


def deequ_jar_candidates() -> list[Path]:
    """Where the Deequ jar may live, most specific first."""
    found: list[Path] = []
    env = os.environ.get("MONITOR_JOB_DEEQU_JAR")
    if env:
        found.append(Path(env))
    repo = Path(__file__).resolve().parents[2]
    found += [repo / ".deequ" / DEEQU_JAR, Path("/opt/monitor-job/jars") / DEEQU_JAR]
    return found


def find_deequ_jar() -> Path:
    candidates = deequ_jar_candidates()
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        f"Deequ jar {DEEQU_JAR} not found; looked in: {', '.join(map(str, candidates))}. "
        "Run `make setup` (or scripts/install-deequ.sh), or set MONITOR_JOB_DEEQU_JAR."
    )


def find_jars(s3a: bool = False) -> list[Path]:
    """The Deequ jar and the job's own JVM jar beside it (``make setup`` builds both), and
    with ``s3a`` the S3A jars when they are there too (``make setup`` and the image fetch
    them; local mode stages S3 input instead, and need not copy 280 MB to its executor)."""
    deequ = find_deequ_jar()
    own = deequ.parent / JVM_JAR
    if not own.is_file():
        raise ConfigError(
            f"{JVM_JAR} not found beside {deequ}. Run `make setup` (or scripts/build-jvm.sh)."
        )
    found = [deequ.parent / name for name in S3A_JARS]
    return [deequ, own, *(found if s3a and all(p.is_file() for p in found) else [])]


def s3a_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """S3A's configuration from the standard AWS environment (S3A reads neither
    ``AWS_ENDPOINT_URL`` nor the region variables): an endpoint other than AWS's (MinIO, a
    moto server) with path-style access, TLS as its URL says; the region. Credentials come
    from S3A's own chain on each host (its environment, the instance's role)."""
    out: dict[str, str] = {}
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        out["spark.hadoop.fs.s3a.endpoint"] = endpoint
        out["spark.hadoop.fs.s3a.path.style.access"] = "true"
        secure = endpoint.lower().startswith("https://")
        out["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(secure).lower()
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region:
        out["spark.hadoop.fs.s3a.endpoint.region"] = region
    return out


def submitted() -> bool:
    """Launched by ``spark-submit``: the JVM came first and handed Python its gateway."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def build_session(app_name: str = "monitor-job", master: str | None = None) -> SparkSession:
    """Get the active session, join the one ``spark-submit`` configured, or start a local
    one. Under spark-submit the submitter's settings win: the defaults below only fill
    keys it left unset, and the Deequ jar is added only if ``--jars`` did not bring it."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Python workers must run the driver's interpreter (the venv/image one, with pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    master = master or os.environ.get("MONITOR_JOB_SPARK_MASTER")
    existing: dict[str, str] = {}
    if submitted():
        SparkContext._ensure_initialized()
        existing = dict(SparkConf().getAll())
    if master:
        builder = builder.master(master)
    elif "spark.master" not in existing:
        builder = builder.master("local[*]")
        master = "local[*]"
    heap = local_driver_memory()
    local = (master or existing.get("spark.master", "")).startswith("local")
    if heap and local and "spark.driver.memory" not in existing:
        builder = builder.config("spark.driver.memory", heap)
    for key, value in spark_defaults(local).items():
        if key not in existing:
            builder = builder.config(key, value)
    if "spark.sql.shuffle.partitions" not in existing:
        builder = builder.config(SHUFFLE_AUTO, "true")
    if os.environ.get(HOSTS_ENV):  # the multi-instance cluster this job started
        cluster = {
            # every host's executor before the first task (up to Spark's 30 s wait)
            "spark.scheduler.minRegisteredResourcesRatio": "1.0",
            "spark.executor.memory": os.environ.get(EXECUTOR_MEMORY_ENV, ""),
        }
        for key, value in cluster.items():
            if value and key not in existing:
                builder = builder.config(key, value)
    if not local:
        for key, value in cluster_security(os.environ).items():
            builder = builder.config(key, value)
    for key, value in s3a_settings(os.environ).items():
        if key not in existing:
            builder = builder.config(key, value)
    jars = existing.get("spark.jars", "")
    if "deequ" not in jars or JVM_JAR not in jars:  # spark-submit.sh brings all it needs
        missing = [str(p) for p in find_jars(s3a=not local) if p.name not in jars]
        builder = builder.config("spark.jars", ",".join(filter(None, [jars, *missing])))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("MONITOR_JOB_SPARK_LOG_LEVEL", "WARN"))
    return spark
