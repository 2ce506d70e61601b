"""Builders for test inputs: one pandas frame written as CSV, capture JSONL and more."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F

INPUT_TIME = "2024-03-01T10:15:00Z"
REPO = Path(__file__).resolve().parents[1]


def mixed_frame(rows: int = 500, seed: int = 7) -> pd.DataFrame:
    """label (0/1, the model output), integer, fractional, string, non-negative, partly missing."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, rows),
            "age": rng.integers(-5, 90, rows),
            "income": np.round(rng.normal(5000.0, 1500.0, rows), 3),
            "city": rng.choice(["paris", "rome", "berlin", "oslo"], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "visits": rng.integers(0, 40, rows),
            "score": np.round(rng.uniform(0.0, 1.0, rows), 4),
        }
    )
    frame["score"] = frame["score"].where(rng.uniform(size=rows) > 0.3)
    return frame


def cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def write_csv(frame: pd.DataFrame, path: Path, header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, header=header)
    return path


def capture_line(output: str, inp: str, encoding: str, content_type: str, when: str) -> str:
    def side(data: str, mode: str) -> dict[str, str]:
        if encoding == "BASE64":
            data = base64.b64encode(data.encode()).decode()
        return {
            "observedContentType": content_type,
            "mode": mode,
            "data": data,
            "encoding": encoding,
        }

    record = {
        "captureData": {
            "endpointInput": side(inp, "INPUT"),
            "endpointOutput": side(output, "OUTPUT"),
        },
        "eventMetadata": {"eventId": "e", "inferenceTime": when},
        "eventVersion": "0",
    }
    return json.dumps(record)


def csv_capture_lines(
    frame: pd.DataFrame, encoding: str = "BASE64", when: str = INPUT_TIME
) -> list[str]:
    """Output column = first column, input = the rest (the baseline convention)."""
    lines = []
    for row in frame.itertuples(index=False):
        values = [cell(v) for v in row]
        lines.append(capture_line(values[0], ",".join(values[1:]), encoding, "text/csv", when))
    return lines


def json_capture_lines(frame: pd.DataFrame, when: str = INPUT_TIME) -> list[str]:
    """JSON-encoded capture: output {"label": v}, input an object of the other columns."""
    lines = []
    names = list(frame.columns)
    for row in frame.itertuples(index=False):
        values = [None if cell(v) == "" else v for v in row]
        values = [v.item() if hasattr(v, "item") else v for v in values]
        out = json.dumps({names[0]: values[0]})
        inp = json.dumps(dict(zip(names[1:], values[1:], strict=True)))
        lines.append(capture_line(out, inp, "JSON", "application/json", when))
    return lines


def write_lines(lines: list[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Deequ's StatefulDataType regexes (integral | fractional), one pattern for Spark's rlike.
NUMERIC_REGEX = r"^(-|\+)? ?\d+((\.\d+)|((\.\d+)?[Ee][-+]?\d+))?$"


def numeric_value(column: Column) -> Column:
    """Deequ's number rule in Spark SQL: the double of a string that Deequ's numeric regex
    accepts (its one optional space dropped), else null. The job parses numbers in its
    aggregate; this is the column Deequ's built-in analyzers (the tests' oracle) read."""
    return F.when(column.rlike(NUMERIC_REGEX), F.replace(column, F.lit(" "), F.lit(""))).cast(
        "double"
    )


def demo_data(root: Path) -> Path:
    """``make demo``'s sample data, generated fresh under ``root`` (``root/demo-data``)."""
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_data.py"), "--out", "demo-data"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return root / "demo-data"


def demo_config(root: Path, name: str) -> Path:
    """The demo's config ``name`` with its relative paths anchored in ``root`` (Spark
    resolves relative paths against the JVM's working directory, not the test's)."""
    text = (REPO / "configs" / name).read_text()
    for top in ("demo-data/", "demo-output/"):
        text = text.replace(top, f"{root}/{top}")
    (root / name).write_text(text)
    return root / name
