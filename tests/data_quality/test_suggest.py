"""Data quality's suggestion rules: every rule is registered."""

from __future__ import annotations

import importlib
import inspect

from monitor_job.data_quality.suggest import SUGGESTION_RULES


def test_every_rule_function_is_registered() -> None:
    suggest_module = importlib.import_module("monitor_job.data_quality.suggest")
    rules = {
        fn
        for name, fn in inspect.getmembers(suggest_module, inspect.isfunction)
        if name.startswith("_") and fn.__module__ == suggest_module.__name__
    }
    assert rules == set(SUGGESTION_RULES.values())
