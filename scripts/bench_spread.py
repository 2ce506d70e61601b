"""How each monitor type's work spreads over tasks (issue 36), from Spark's own event log:
every run through scripts/spark-submit.sh on local[2], its input in 8 files or more, with
adaptive coalescing off (at these sizes it would put small shuffles in one task on purpose;
without it the plan's own spread is what is measured). For each run, every row-level stage
(one that reads at least half as many records as the input has) with its tasks and the
share of its records the busiest task read; a stage above 60% is named SKEWED.

  data quality    the baseline of N base64-CSV captures (make_bench_data, files of at
                  most 25,000 lines, 8 or more)
  model quality   baselines of N labelled rows: binary (distinct scores), regression,
                  multiclass (3 classes)
  ground truth    model-quality monitoring of the N captures merged with N labels
                  (against the regression baseline's constraints)
  bias            pre- and post-training metrics of N labelled rows, one facet
  explainability  Kernel SHAP of EXPLAINED records (a linear predict script)

  .venv/bin/python scripts/bench_spread.py [--records 1000000] [--explained 4000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/eventlog.py

from make_bench_data import write  # noqa: E402

from tests.eventlog import read_log, skewed  # noqa: E402

FILES = 8
WINDOW = ("--start", "2024-03-01T10:00:00Z", "--end", "2024-03-01T14:00:00Z")


def csv_files(frame: pd.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(FILES):
        frame.iloc[part::FILES].to_csv(folder / f"part-{part}.csv", index=False)
    return folder


def ground_truth(n: int, folder: Path, rng: np.random.Generator) -> Path:
    """A label for each capture make_bench_data wrote (event ids e0.., its 4 hours)."""
    hours = (np.arange(n) * 4 // n) + 10
    labels = rng.uniform(0, 1, n).round(6)
    for h in range(10, 14):
        ids = np.flatnonzero(hours == h)
        target = folder / "2024" / "03" / "01" / f"{h:02d}"
        target.mkdir(parents=True, exist_ok=True)
        for part, chunk in enumerate(np.array_split(ids, 2)):
            lines = [
                json.dumps(
                    {
                        "groundTruthData": {"data": str(labels[i]), "encoding": "CSV"},
                        "eventMetadata": {"eventId": f"e{i}"},
                        "eventVersion": "0",
                    }
                )
                for i in chunk
            ]
            (target / f"labels-{part}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def submit(work: Path, name: str, args: list[str]) -> tuple[float, Path]:
    events = work / name / "events"
    shutil.rmtree(work / name, ignore_errors=True)
    events.mkdir(parents=True)
    command = [
        "bash", str(REPO / "scripts" / "spark-submit.sh"), "--master", "local[2]",
        "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=file://{events}",
        "--conf", "spark.sql.adaptive.coalescePartitions.enabled=false",
        "--", *args, "--output", str(work / name / "out"),
    ]  # fmt: skip
    started = time.perf_counter()
    with (work / f"{name}.log").open("w") as log:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if code.returncode != 0:
        raise SystemExit(f"{name} exited {code.returncode}: see {work / f'{name}.log'}")
    return time.perf_counter() - started, events


def report(name: str, seconds: float, events: Path, rows: int) -> bool:
    found = read_log(events)
    level = [s for s in found if s.records >= rows // 2]
    worst = max((s.busiest_share for s in level), default=0.0)
    print(f"{name}: {seconds:.0f} s, {len(level)} row-level stage(s), busiest task {worst:.1%}")
    for s in level:
        print(f"    stage {s.stage}.{s.attempt}: {len(s.tasks)} tasks, {s.records:,} records, "
              f"busiest {s.busiest_share:.1%}")  # fmt: skip
    bad = skewed(found, rows)
    if bad:
        print(f"    SKEWED: {[s.stage for s in bad]}")
    return not bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--explained", type=int, default=4_000)
    parser.add_argument("--only", help="comma-separated run names")
    parser.add_argument("--work", help="keep data and runs here (default: a temp dir)")
    args = parser.parse_args()
    n = args.records
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-spread-"))
    rng = np.random.default_rng(36)
    captures = work / "captures"
    if not captures.exists():
        write(captures, n, 20, 5, per_file=min(25_000, -(-n // FILES)), seed=7)
    probability = rng.uniform(size=n).round(9)
    label = (rng.uniform(size=n) < probability).astype(int)
    truth = rng.normal(50, 12, n).round(6)
    classes = rng.integers(0, 3, n)
    runs: dict[str, list[str]] = {
        "data quality": ["baseline", "--dataset", str(captures), "--format", "capture"],
    }
    mq = [("binary", "BinaryClassification"), ("regression", "Regression"),
          ("multiclass", "MulticlassClassification")]  # fmt: skip
    frames = {
        "binary": pd.DataFrame(
            {
                "label": label,
                "prediction": (probability > 0.5).astype(int),
                "probability": probability,
            }
        ),
        "regression": pd.DataFrame(
            {"label": truth, "prediction": truth + rng.normal(0, 3, n).round(6)}
        ),
        "multiclass": pd.DataFrame(
            {
                "label": classes,
                "prediction": np.where(rng.uniform(size=n) < 0.7, classes, (classes + 1) % 3),
            }
        ),
    }
    for key, problem in mq:
        folder = csv_files(frames[key], work / f"mq-{key}")
        extra = ["--probability-attribute", "probability"] if key == "binary" else []
        runs[f"model quality, {key}"] = [
            "baseline", "--dataset", str(folder), "--format", "csv", "--header",
            "--problem-type", problem, "--inference-attribute", "prediction",
            "--ground-truth-attribute", "label", *extra,
        ]  # fmt: skip
    gt = work / "ground-truth"
    if not gt.exists():
        ground_truth(n, gt, rng)
    runs["ground truth merge"] = [
        "monitor", "--dataset", str(captures), "--format", "capture", "--ground-truth", str(gt),
        "--problem-type", "Regression", "--inference-attribute", "0", *WINDOW,
        "--baseline-constraints", str(work / "model-quality-regression/out/constraints.json"),
    ]  # fmt: skip
    people = pd.DataFrame(
        {
            "label": np.where(label == 1, "yes", "no"),
            "pred": np.where(probability > 0.5, "yes", "no"),
            "sex": np.where(rng.uniform(size=n) < 0.4, "F", "M"),
            "age": rng.integers(18, 80, n),
        }
    )
    bias_config = work / "bias-config.json"
    bias_config.write_text(
        json.dumps(
            {
                "version": "1.0", "label": "label", "label_values_or_threshold": ["yes"],
                "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
                "predicted_label": "pred",
                "methods": {"pre_training_bias": {"methods": "all"},
                            "post_training_bias": {"methods": "all"}},
            }
        )
    )  # fmt: skip
    bias_data = csv_files(people, work / "data-bias")
    runs["bias"] = ["bias", "--dataset", str(bias_data), "--analysis-config", str(bias_config)]
    width = 10
    explained = pd.DataFrame(rng.normal(size=(args.explained, width)).round(6),
                             columns=[f"x{i}" for i in range(width)])  # fmt: skip
    script = work / "linear.py"
    script.write_text(f"import numpy as np\nW = np.arange({width}) - 4.5\n\n\ndef predict(rows):\n"
                      "    return np.asarray(rows) @ W\n")  # fmt: skip
    shap_config = work / "shap-config.json"
    shap = {"num_samples": 100, "num_clusters": 3}
    predictor = {"predict_script": str(script)}
    shap_config.write_text(
        json.dumps({"version": "1.0", "predictor": predictor, "methods": {"shap": shap}})
    )
    shap_data = csv_files(explained, work / "data-explain")
    runs["explainability"] = [
        "explain", "--dataset", str(shap_data), "--analysis-config", str(shap_config),
    ]  # fmt: skip
    sizes = {name: n for name in runs}
    sizes["explainability"] = args.explained
    chosen = set(args.only.split(",")) if args.only else set(runs)
    spread = True
    for name, command in runs.items():
        if name in chosen:
            seconds, events = submit(work, name.replace(" ", "-").replace(",", ""), command)
            spread &= report(name, seconds, events, sizes[name])
    print("every row-level stage within 60%" if spread else "SKEWED stages above")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
