"""Where configuration comes from: the container (file + env) and YAML job files."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from monitor_job.contract.config import KNOWN_KEYS, JobConfig, config_from_mapping
from monitor_job.errors import ConfigError

PROCESSING_JOB_CONFIG = "/opt/ml/config/processingjobconfig.json"


def container_environment(
    environ: Mapping[str, str] | None = None, config_file: str | None = None
) -> dict[str, Any]:
    """The contract keys as the closed analyzer sees them.

    The ``Environment`` map of ``processingjobconfig.json`` comes first; process
    environment variables fill in whatever the file does not set.
    """
    environ = os.environ if environ is None else environ
    path = Path(config_file) if config_file else _processing_config_path(environ)
    merged: dict[str, Any] = {k: v for k, v in environ.items() if k in KNOWN_KEYS}
    if path.is_file():
        try:
            params = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ConfigError(f"cannot read {path}: {err}") from err
        file_env = params.get("Environment") or {}
        if not isinstance(file_env, Mapping):
            raise ConfigError(f"{path}: 'Environment' must be an object")
        merged.update({k: v for k, v in file_env.items() if v is not None})
    return merged


def _processing_config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("MONITOR_JOB_PROCESSING_CONFIG", PROCESSING_JOB_CONFIG))


def config_from_container(environ: Mapping[str, str] | None = None) -> JobConfig:
    """Container mode: no CLI arguments, everything from file + env."""
    environ = os.environ if environ is None else environ
    return config_from_mapping(
        container_environment(environ),
        container_mode=True,
        sagemaker_processing=_processing_config_path(environ).is_file(),
    )


def config_from_yaml(path: str, overrides: Mapping[str, Any] | None = None) -> JobConfig:
    """A YAML job file using the contract's key names; ``dataset_format`` may be a mapping."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read job config {path}: {err}") from err
    if not isinstance(data, Mapping):
        raise ConfigError(f"job config {path} must be a mapping of contract keys")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"job config {path}: unknown key(s) {', '.join(unknown)}; valid keys: "
            + ", ".join(sorted(KNOWN_KEYS))
        )
    merged = dict(data)
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return config_from_mapping(merged)
