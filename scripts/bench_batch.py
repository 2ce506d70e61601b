"""Batch-transform capture against plain CSV (issue 37): the data-quality baseline of the
same records read through a transform's capture destination (manifests naming the input
objects and their .out outputs) and as plain CSV, timed in one warm session, interleaved.

Data (generated once under bench-data/batch-<n>/): n records of 20 numbers and 5
categories in 8 input objects (CSV, no header), their .out outputs (a probability, then
GenerateInferenceId's id and time), the input and output manifests under one hour, and the
same rows as plain CSV: the inputs alone, and each output's probability followed by its
input row (what the paired read gives).

  input        batchTransformCapture sides [input]            against the plain inputs
  both         sides [input, output], each line with its .out  against the plain joined rows
  jsonl        the same rows as JSON Lines, paired line by line against the joined rows as
                                                               flat JSON Lines
  documents    the same rows as JSON documents (SplitType=None: {"instances": [...]} in,
               {"predictions": [...]} out), paired                against the same flat JSON Lines

    .venv/bin/python scripts/bench_batch.py [--records 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import statistics
import time
import uuid
from pathlib import Path

import numpy as np

from monitor_job.cli import main as job
from monitor_job.runtime.spark import build_session

REPO = Path(__file__).resolve().parents[1]
PARTS = 8
FORMAT = {"csv": {"header": False}}


def ensure_data(records: int) -> Path:
    root = REPO / "bench-data" / f"batch-{records}"
    if (root / "_DONE").is_file():
        return root
    rng = np.random.default_rng(7)
    for folder in ("in", "out", "plain-input", "plain-joined"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    entries = []
    per = records // PARTS
    for part in range(PARTS):
        numbers = rng.normal(100, 15, size=(per, 20)).round(3)
        categories = rng.integers(0, 12, size=(per, 5))
        rows = [
            ",".join([*map(str, n), *(f"cat{c}" for c in k)])
            for n, k in zip(numbers, categories, strict=True)
        ]
        probability = rng.uniform(size=per).round(6)
        outputs = [f"{p}, {uuid.UUID(bytes=rng.bytes(16), version=4)},2024-03-01T02:05:00Z"
                   for p in probability]  # fmt: skip
        name = f"part-{part}.csv"
        entries.append(name)
        (root / "in" / name).write_text("\n".join(rows) + "\n")
        (root / "out" / f"{name}.out").write_text("\n".join(outputs) + "\n")
        (root / "plain-input" / name).write_text("\n".join(rows) + "\n")
        joined = [f"{p},{r}" for p, r in zip(probability, rows, strict=True)]
        (root / "plain-joined" / name).write_text("\n".join(joined) + "\n")
    for side, folder, suffix in (("input", "in", ""), ("output", "out", ".out")):
        hour = root / "capture" / side / "2024" / "03" / "01" / "02"
        hour.mkdir(parents=True, exist_ok=True)
        listed = [{"prefix": f"{root / folder}/"}, *(e + suffix for e in entries)]
        (hour / "manifest.json").write_text(json.dumps(listed))
    (root / "_DONE").touch()
    return root


def ensure_json(root: Path) -> None:
    """The CSV objects' rows as JSON Lines pairs and as JSON documents (under
    capture-jsonl/ and capture-documents/), made once from the CSV files."""
    if (root / "_JSON_DONE").is_file():
        return
    for kind in ("jsonl", "documents"):
        for folder in ("in", "out"):
            (root / f"{kind}-{folder}").mkdir(parents=True, exist_ok=True)
    (root / "plain-json").mkdir(exist_ok=True)
    names = sorted(p.name for p in (root / "in").iterdir())
    for name in names:
        rows = [line.split(",") for line in (root / "in" / name).read_text().splitlines()]
        outputs = [
            line.split(",") for line in (root / "out" / f"{name}.out").read_text().splitlines()
        ]
        requests = [{"features": [float(v) for v in r[:20]] + r[20:]} for r in rows]
        answers = [{"score": float(o[0])} for o in outputs]
        ident = {
            "SageMakerInferenceId": outputs[0][1].strip(),
            "SageMakerInferenceTime": outputs[0][2],
        }
        base = name.removesuffix(".csv")
        (root / "jsonl-in" / f"{base}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in requests)
        )
        (root / "jsonl-out" / f"{base}.jsonl.out").write_text(
            "".join(json.dumps({**a, **ident}) + "\n" for a in answers)
        )
        (root / "documents-in" / f"{base}.json").write_text(json.dumps({"instances": requests}))
        flat = [
            {"score": a["score"], **{f"f{i}": v for i, v in enumerate(r["features"])}}
            for a, r in zip(answers, requests, strict=True)
        ]
        (root / "plain-json" / f"{base}.jsonl").write_text(
            "".join(json.dumps(f) + "\n" for f in flat)
        )
        (root / "documents-out" / f"{base}.json.out").write_text(
            json.dumps({"predictions": answers, **ident})
        )
    for kind, suffix in (("jsonl", ".jsonl"), ("documents", ".json")):
        for side, folder, more in (("input", "in", ""), ("output", "out", ".out")):
            hour = root / f"capture-{kind}" / side / "2024" / "03" / "01" / "02"
            hour.mkdir(parents=True, exist_ok=True)
            entries = [n.removesuffix(".csv") + suffix + more for n in names]
            listed = [{"prefix": f"{root / f'{kind}-{folder}'}/"}, *entries]
            (hour / "manifest.json").write_text(json.dumps(listed))
    (root / "_JSON_DONE").touch()


def run(*args: str) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = job(list(args))
    if code != 0:
        raise SystemExit(f"monitor-job {args[0]} exited {code}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    root = ensure_data(args.records)
    build_session()
    out = root / "runs"

    def baseline(name: str, source: Path, fmt: dict | None = None) -> float:
        given = ["--dataset-format", json.dumps(fmt)] if fmt else ["--no-header"]
        return run("baseline", "--dataset", str(source), *given, "--output", str(out / name))

    ensure_json(root)
    both = ["input", "output"]
    batch = {  # sides, data format, capture destination
        "input": (["input"], FORMAT, "capture"),
        "both": (both, FORMAT, "capture"),
        "jsonl": (both, {"json": {"line": True}}, "capture-jsonl"),
        "documents": (both, {"json": {"line": False}}, "capture-documents"),
    }
    plain = {"input": root / "plain-input", "both": root / "plain-joined"}
    plain.update({k: root / "plain-json" for k in ("jsonl", "documents")})
    baseline("warm-up", plain["input"])
    times: dict[str, list[float]] = {f"{k}-{m}": [] for k in batch for m in ("batch", "plain")}
    for _ in range(args.repeats):
        for kind, (sides, data, capture) in batch.items():
            fmt = {"batchTransformCapture": {"sides": sides, "datasetFormat": data}}
            times[f"{kind}-batch"].append(baseline(f"{kind}-batch", root / capture, fmt))
            json_plain = {"json": {"line": True}} if kind in ("jsonl", "documents") else None
            times[f"{kind}-plain"].append(baseline(f"{kind}-plain", plain[kind], json_plain))
    for kind in batch:
        counts = {
            m: json.loads((out / f"{kind}-{m}" / "statistics.json").read_text())["dataset"]
            for m in ("batch", "plain")
        }
        assert counts["batch"] == counts["plain"], counts
        b, p = (statistics.median(times[f"{kind}-{m}"]) for m in ("batch", "plain"))
        print(
            f"{args.records:,} records, {kind:9s}: batch {b:.1f} s, "
            f"plain {'JSON Lines' if kind in ('jsonl', 'documents') else 'CSV'} {p:.1f} s, "
            f"x {b / p:.2f} (medians of {args.repeats}; "
            f"batch {', '.join(f'{t:.1f}' for t in times[f'{kind}-batch'])}; "
            f"plain {', '.join(f'{t:.1f}' for t in times[f'{kind}-plain'])})"
        )


if __name__ == "__main__":
    main()
