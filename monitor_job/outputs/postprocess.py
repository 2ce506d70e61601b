"""Run the user's ``postprocess_handler()`` after a successful analysis."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from monitor_job.decode.preprocess import load_function
from monitor_job.errors import HandlerError, raise_if_stopped

log = logging.getLogger("monitor_job")


def load_postprocessor(path: str) -> Callable[..., Any]:
    """Import ``postprocess_handler`` (before Spark starts, like the closed analyzer)."""
    fn, _ = load_function(path, "postprocess_handler")
    return fn


def run_postprocessor(path: str, fn: Callable[..., Any]) -> None:
    log.info("invoking postprocess_handler() from %s", path)
    try:
        fn()
    except Exception as err:
        raise_if_stopped(err)
        raise HandlerError(
            f"postprocess_handler() in {path} failed: {type(err).__name__}: {err}".splitlines()[0]
        ) from err
