"""Multi-instance SageMaker Processing: the hosts form a Spark standalone cluster.

``/opt/ml/config/resourceconfig.json`` names this host and all hosts of the job. With more
than one, the first host starts a Spark master and a worker, waits for every host's
worker, runs the job on that cluster and stops it; every other host starts a worker that
joins the master and exits 0 once the master has gone away (the first host writes the
outputs). Processes come from the installed PySpark's ``bin/spark-class``.

``resourceconfig.json`` lists the hosts only, so each host sizes its own worker from what
it has (its CPUs and memory, a container's cgroup limits included); the leader reads the
registered workers from the master and gives the executors the smallest worker's memory.
Each executor takes every core of its worker (one executor per host).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from monitor_job.errors import ClusterError, ConfigError
from monitor_job.runtime.spark import (
    SECRET_ENV,
    cluster_security,
    cpu_limit,
    logging_java_options,
    memory_limit_bytes,
    worker_size,
)

RESOURCE_CONFIG = "/opt/ml/config/resourceconfig.json"
MASTER_PORT = 7077
MASTER_UI_PORT = 8080

log = logging.getLogger("monitor_job")


@dataclass(frozen=True)
class Hosts:
    current: str
    hosts: tuple[str, ...]

    @property
    def leader(self) -> str:
        return self.hosts[0]

    @property
    def is_leader(self) -> bool:
        return self.current == self.leader


def read_hosts(environ: Mapping[str, str]) -> Hosts | None:
    path = Path(environ.get("MONITOR_JOB_RESOURCE_CONFIG", RESOURCE_CONFIG))
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        hosts = tuple(str(h) for h in data["hosts"])
        current = str(data["current_host"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"cannot read {path}: {err!r}") from err
    if current not in hosts:
        raise ConfigError(f"{path}: current_host {current!r} is not in hosts {list(hosts)}")
    return Hosts(current, hosts)


def _ports(environ: Mapping[str, str]) -> tuple[int, int]:
    return (
        int(environ.get("MONITOR_JOB_MASTER_PORT", MASTER_PORT)),
        int(environ.get("MONITOR_JOB_MASTER_UI_PORT", MASTER_UI_PORT)),
    )


def _spark_class() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-class")


def _start(args: list[str], host: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", host)}
    env.setdefault("SPARK_HOME", str(Path(_spark_class()).parents[1]))
    # Not under SPARK_HOME (site-packages: read-only for the image's non-root user), and a
    # private directory of its own (0700, a new name), never a fixed path in a shared /tmp.
    if "SPARK_WORKER_DIR" not in env:
        env["SPARK_WORKER_DIR"] = tempfile.mkdtemp(prefix="monitor-job-worker-")
    # The master's and workers' own log lines follow the job's verbosity (INFO otherwise).
    env.setdefault("SPARK_DAEMON_JAVA_OPTS", logging_java_options())
    security = cluster_security(os.environ)
    if security:  # the secret in the environment, not on a command line others can read
        env["_SPARK_AUTH_SECRET"] = security.pop("spark.authenticate.secret")
        options = " ".join(f"-D{k}={v}" for k, v in security.items())
        env["SPARK_DAEMON_JAVA_OPTS"] = f"{env['SPARK_DAEMON_JAVA_OPTS']} {options}"
    return subprocess.Popen([_spark_class(), *args], env=env, stdout=subprocess.DEVNULL)


def _alive_workers(host: str, ui_port: int) -> list[dict[str, object]]:
    """The workers registered with the master and alive, as its ``/json/`` lists them."""
    try:
        with urllib.request.urlopen(f"http://{host}:{ui_port}/json/", timeout=3) as reply:
            workers = json.load(reply).get("workers", [])
    except (OSError, ValueError):
        return []
    if not isinstance(workers, list):
        return []
    return [w for w in workers if isinstance(w, dict) and w.get("state") == "ALIVE"]


def _worker(url: str, leader: bool) -> list[str]:
    """The arguments of this host's worker, sized from this host."""
    size = worker_size(memory_limit_bytes(), cpu_limit(), leader)
    return ["org.apache.spark.deploy.worker.Worker", *size, url]


def describe_workers(workers: list[dict[str, object]]) -> str:
    return ", ".join(
        f"{w.get('host')}: {w.get('cores')} core(s), {w.get('memory')} MB" for w in workers
    )


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


class Cluster:
    """The leader's master + worker processes; :meth:`stop` ends them (and so the job)."""

    def __init__(self, hosts: Hosts, environ: Mapping[str, str]) -> None:
        self.hosts = hosts
        self.port, self.ui_port = _ports(environ)
        self.url = f"spark://{hosts.leader}:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.wait_s = float(environ.get("MONITOR_JOB_CLUSTER_WAIT_SECONDS", 300))
        # The smallest registered worker's memory (``1536m``): the executors' heap.
        self.executor_memory: str | None = None

    def start(self) -> str:
        leader = self.hosts.leader
        if not cluster_security(os.environ):
            log.warning(
                "the Spark cluster of %d hosts runs without authentication: whoever reaches "
                "port %d of %s can run code in it; set %s (the same secret on every host) "
                "for authenticated, encrypted RPC",
                len(self.hosts.hosts),
                self.port,
                leader,
                SECRET_ENV,
            )
        self.procs.append(
            _start(
                [
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    leader,
                    "--port",
                    str(self.port),
                    "--webui-port",
                    str(self.ui_port),
                ],
                leader,
            )
        )
        self.procs.append(_start(_worker(self.url, leader=True), leader))
        want = len(self.hosts.hosts)
        deadline = time.monotonic() + self.wait_s
        alive: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            alive = _alive_workers(leader, self.ui_port)
            if len(alive) >= want:
                memory = [m for w in alive if isinstance(m := w.get("memory"), int)]
                if memory:
                    self.executor_memory = f"{min(memory)}m"
                log.info(
                    "Spark cluster %s up with %d worker(s) (%s); executors of %s",
                    self.url,
                    len(alive),
                    describe_workers(alive),
                    self.executor_memory or "Spark's default memory",
                )
                return self.url
            time.sleep(1)
        self.stop()
        raise ClusterError(
            f"only {len(alive)} of {want} hosts joined the Spark master {self.url} "
            f"within {self.wait_s:.0f}s"
        )

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def serve_as_worker(hosts: Hosts, environ: Mapping[str, str]) -> None:
    """Join the leader's master and return once it is gone (the job is over)."""
    port, _ = _ports(environ)
    url = f"spark://{hosts.leader}:{port}"
    wait_s = float(environ.get("MONITOR_JOB_CLUSTER_WAIT_SECONDS", 300))
    deadline = time.monotonic() + wait_s
    while not _reachable(hosts.leader, port):
        if time.monotonic() > deadline:
            raise ClusterError(f"Spark master {url} not reachable within {wait_s:.0f}s")
        time.sleep(1)
    log.info("host %s joins Spark master %s as a worker", hosts.current, url)
    worker = _start(_worker(url, leader=False), hosts.current)
    try:
        while _reachable(hosts.leader, port):
            time.sleep(2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    log.info("Spark master %s has stopped: worker on %s done", url, hosts.current)
