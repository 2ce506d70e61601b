"""The atomic writer every run's files go through."""

from __future__ import annotations

import json
import os

import pytest

from monitor_job.errors import OutputError
from monitor_job.outputs.writer import dumps, write_json_files


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
