"""Synthetic capture data of any size for `make bench` (deterministic).

N records of F numeric + C categorical input features and one output probability, as
base64-CSV capture lines (what SageMaker data capture writes for text/csv endpoints) or,
with ``--payload json``, JSON captures (request ``{"n0": 1.0, ..., "c0": "cat0_1"}``,
response ``{"score": 0.42}``, encoding JSON, as an application/json endpoint's),
spread over hourly partitions ``<endpoint>/AllTraffic/yyyy/mm/dd/hh/`` in files of at most
``--lines-per-file`` lines. Columns are built vectorised; only the JSON envelope is a
Python format per line (it is data generation, not the job).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

HOURS = 4


def features(n: int, numeric: int, categorical: int, rng: np.random.Generator) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for i in range(numeric):
        if i % 3 == 0:
            cols[f"n{i}"] = rng.integers(0, 1000, n)
        else:
            cols[f"n{i}"] = np.round(rng.normal(i, 1 + i / 10, n), 4)
    for j in range(categorical):
        values = np.array([f"cat{j}_{k}" for k in range(3 + 2 * j)])
        cols[f"c{j}"] = values[rng.integers(0, len(values), n)]
    return pd.DataFrame(cols)


def payloads(frame: pd.DataFrame) -> list[str]:
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False)
    return buffer.getvalue().splitlines()


def json_payloads(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row, escaped to sit inside the capture line's string."""
    text = frame.to_json(orient="records", lines=True, double_precision=15)
    return [line.replace("\\", "\\\\").replace('"', '\\"') for line in text.splitlines()]


def instances_payloads(frame: pd.DataFrame) -> list[str]:
    """One ``{"instances": [[...]]}`` batch of one row per request (the TensorFlow Serving
    and SageMaker built-in shape), escaped to sit inside the capture line's string."""
    out = []
    for values in json.loads(frame.to_json(orient="values", double_precision=15)):
        text = json.dumps({"instances": [values]})
        out.append(text.replace("\\", "\\\\").replace('"', '\\"'))
    return out


def write(
    out: Path,
    n: int,
    numeric: int,
    categorical: int,
    per_file: int,
    seed: int,
    hours: int = HOURS,
    payload: str = "csv",
    first_hour: int = 10,
) -> int:
    rng = np.random.default_rng(seed)
    written = 0
    chunk = 200_000
    file_no = 0
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        frame = features(size, numeric, categorical, rng)
        if payload == "json":
            inputs = json_payloads(frame)
        elif payload == "json-instances":
            inputs = instances_payloads(frame)
        else:
            inputs = payloads(frame)
        probs = np.round(rng.uniform(0, 1, size), 6)
        seconds = rng.integers(0, 3600, size)
        hour = (np.arange(start, start + size) * hours // n).astype(int)
        for lo in range(0, size, per_file):
            hi = min(size, lo + per_file)
            h = int(hour[lo])
            day = out / "bench-endpoint" / "AllTraffic" / "2024" / "03" / "01"
            part = day / f"{first_hour + h:02d}"
            part.mkdir(parents=True, exist_ok=True)
            lines = []
            for k in range(lo, hi):
                s = int(seconds[k])
                if payload != "csv":
                    sides = (
                        '{"captureData":{"endpointInput":{"observedContentType":'
                        f'"application/json","mode":"INPUT","data":"{inputs[k]}",'
                        '"encoding":"JSON"},"endpointOutput":{"observedContentType":'
                        '"application/json","mode":"OUTPUT","data":'
                        f'"{{\\"score\\": {probs[k]}}}","encoding":"JSON"}}}},'
                    )
                else:
                    data = base64.b64encode(inputs[k].encode()).decode()
                    out_data = base64.b64encode(str(probs[k]).encode()).decode()
                    sides = (
                        '{"captureData":{"endpointInput":{"observedContentType":"text/csv",'
                        f'"mode":"INPUT","data":"{data}","encoding":"BASE64"}},'
                        '"endpointOutput":{"observedContentType":"text/csv; charset=utf-8",'
                        f'"mode":"OUTPUT","data":"{out_data}","encoding":"BASE64"}}}},'
                    )
                lines.append(
                    sides + f'"eventMetadata":{{"eventId":"e{start + k}","inferenceTime":'
                    f'"2024-03-01T{first_hour + h:02d}:{s // 60:02d}:{s % 60:02d}Z"}},'
                    '"eventVersion":"0"}'
                )
            (part / f"capture-{file_no:05d}.jsonl").write_text("\n".join(lines) + "\n")
            file_no += 1
            written += len(lines)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--numeric", type=int, default=20)
    parser.add_argument("--categorical", type=int, default=5)
    parser.add_argument("--lines-per-file", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=int, default=HOURS, help="hour partitions")
    parser.add_argument("--first-hour", type=int, default=10, help="hour of the first (UTC)")
    parser.add_argument("--payload", choices=("csv", "json", "json-instances"), default="csv")
    args = parser.parse_args()
    if args.first_hour + args.hours > 24:
        parser.error("--first-hour + --hours must stay within the day (<= 24)")
    out = Path(args.out)
    n = write(
        out,
        args.records,
        args.numeric,
        args.categorical,
        args.lines_per_file,
        args.seed,
        args.hours,
        args.payload,
        args.first_hour,
    )
    (out / "_DONE").write_text(f"{n}\n")
    print(f"{n} capture records in {out}")


if __name__ == "__main__":
    main()
