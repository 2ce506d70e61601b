"""Small pure units: type inference, suggestion-rule registry, atomic writer."""

from __future__ import annotations

import importlib
import inspect
import json
import os

import pytest

from monitor_job.analyzers.types import infer_type, matches
from monitor_job.constraints.suggest import SUGGESTION_RULES
from monitor_job.errors import OutputError
from monitor_job.outputs.writer import dumps, write_json_files


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, "Unknown"),
        ({"Unknown": 5}, "Unknown"),
        ({"Integral": 5}, "Integral"),
        ({"Integral": 5, "Fractional": 1}, "Fractional"),
        ({"Integral": 5, "String": 1}, "Integral"),  # mostly numeric stays numeric
        ({"Integral": 2, "String": 3}, "String"),
        ({"Boolean": 4}, "String"),
    ],
)
def test_infer_type(counts, expected) -> None:
    assert infer_type(counts) == expected


def test_type_matching() -> None:
    assert matches("Fractional", "Integral")
    assert not matches("Integral", "Fractional")
    assert matches("String", "Integral")


def test_every_rule_function_is_registered() -> None:
    suggest_module = importlib.import_module("monitor_job.constraints.suggest")
    rules = {
        fn
        for name, fn in inspect.getmembers(suggest_module, inspect.isfunction)
        if name.startswith("_") and fn.__module__ == suggest_module.__name__
    }
    assert rules == set(SUGGESTION_RULES.values())


def test_writer_replaces_atomically_and_cleans_up(tmp_path) -> None:
    write_json_files(str(tmp_path), {"a.json": {"x": 1}, "b.json": {"y": float("nan")}})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 1}
    assert json.loads((tmp_path / "b.json").read_text()) == {"y": "NaN"}
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


def test_writer_failure_leaves_nothing(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OutputError, match="cannot write output to"):
        write_json_files(str(blocker / "out"), {"a.json": {}})
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_dumps_is_strict_json() -> None:
    assert json.loads(dumps({"v": float("inf")})) == {"v": "Infinity"}
