"""Run as an unprivileged user when the image allows it.

The image starts as root because SageMaker and the SDK's local mode mount root-owned
volumes (local mode with mode 0700), which a non-root user cannot read. Before Spark starts,
``settle_user`` drops to the user named by ``MONITOR_JOB_RUN_AS`` (the image sets
``monitor``) if that user can read every local input and write every local output of the
run; otherwise the job stays root and its log names the first path that kept it there.
Outside the image (the variable unset, or not root) nothing changes.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
from collections.abc import Iterable
from pathlib import Path

from monitor_job.contract import JobConfig
from monitor_job.io import s3

log = logging.getLogger("monitor_job")

RUN_AS_ENV = "MONITOR_JOB_RUN_AS"
# Enough to see a mount's layout; a capture prefix holds one file per hour at most.
MAX_ENTRIES = 100_000


def local_paths(config: JobConfig, message_file: str | None) -> tuple[list[str], list[str]]:
    """(read, write): the run's local paths, s3:// locations left out."""
    reads = [
        config.dataset_source,
        config.baseline_statistics,
        config.baseline_constraints,
        config.record_preprocessor_script,
        config.post_analytics_processor_script,
        config.ground_truth_source,
        config.analysis_config,
    ]
    reads += named_by_analysis_config(config.analysis_config)
    writes = [config.output_path, config.cloudwatch_metrics_directory, message_file]
    keep = [p for p in reads if p and not s3.is_s3(p)]
    return keep, [p for p in writes if p and not s3.is_s3(p)]


def named_by_analysis_config(path: str | None) -> list[str]:
    """The files a local ``analysis_config`` names for the run to read: the predictor's
    ``predict_script`` and a SHAP ``baseline`` file (``methods.shap.baseline`` as a path).
    The config is untrusted and not yet validated: anything but a string names nothing
    here, and a config that cannot be read or parsed names nothing (the run reports it)."""
    if not path or s3.is_s3(path):
        return []
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(document, dict):
        return []
    predictor, methods = document.get("predictor"), document.get("methods")
    shap = methods.get("shap") if isinstance(methods, dict) else None
    named = [
        predictor.get("predict_script") if isinstance(predictor, dict) else None,
        shap.get("baseline") if isinstance(shap, dict) else None,
    ]
    return [p for p in named if isinstance(p, str) and p]


def first_blocked(reads: Iterable[str], writes: Iterable[str]) -> str | None:
    """The first path the current user cannot use as the run needs, as "read PATH" or
    "write PATH"; None when every path is usable."""
    for raw in reads:
        path = Path(raw)
        try:
            if not path.exists():
                continue  # the job itself reports a missing input, with its own exit code
            for entry in _walk(path):
                mode = os.R_OK | (os.X_OK if entry.is_dir() else 0)
                if not os.access(entry, mode):
                    return f"read {entry}"
        except PermissionError:  # a parent directory cannot be searched
            return f"read {path}"
    for raw in writes:
        path = Path(raw)
        try:
            while not path.exists() and path != path.parent:
                path = path.parent
            target = path if path.is_dir() else path.parent
        except PermissionError:
            return f"write {raw}"
        if not os.access(target, os.W_OK | os.X_OK):
            return f"write {target}"
    return None


def _walk(root: Path) -> Iterable[Path]:
    yield root
    if not root.is_dir() or not os.access(root, os.R_OK | os.X_OK):
        return
    seen = 0
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            seen += 1
            if seen > MAX_ENTRIES:
                return
            yield Path(folder) / name


def blocked_as(user: pwd.struct_passwd, reads: list[str], writes: list[str]) -> str | None:
    """``first_blocked`` as ``user``, checked in a forked child (the parent keeps root)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: become the user, check, report, exit without cleanup handlers
        code = 0
        try:
            os.close(read_end)
            os.setgroups(os.getgrouplist(user.pw_name, user.pw_gid))
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            os.write(write_end, (first_blocked(reads, writes) or "").encode())
        except BaseException as err:  # reported to the parent as data
            os.write(write_end, f"check {type(err).__name__}: {err}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        answer = reader.read().decode()
    os.waitpid(pid, 0)
    return answer or None


def settle_user(config: JobConfig, message_file: str | None) -> None:
    """Drop to ``$MONITOR_JOB_RUN_AS`` when running as root and that user can do the run."""
    name = os.environ.get(RUN_AS_ENV, "")
    if not name or name in ("root", "0") or os.geteuid() != 0:
        if os.geteuid() == 0 and name:
            log.info("running as root (%s=%s)", RUN_AS_ENV, name)
        return
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        log.warning("running as root: %s=%s names no user of this system", RUN_AS_ENV, name)
        return
    reads, writes = local_paths(config, message_file)
    blocked = blocked_as(user, reads, writes)
    if blocked:
        log.warning(
            "running as root: user %s cannot %s (give it read access, or the run's user "
            "code and model calls run as root)",
            name,
            blocked,
        )
        return
    os.setgroups(os.getgrouplist(user.pw_name, user.pw_gid))
    os.setgid(user.pw_gid)
    pw_uid = user.pw_uid
    os.setuid(pw_uid)
    os.environ.update(HOME=user.pw_dir, USER=name, LOGNAME=name)
    log.info(
        "running as %s (uid %d): it can read every input and write every output", name, user.pw_uid
    )
