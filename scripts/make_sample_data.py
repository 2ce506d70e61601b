"""Write the demo's sample data: a headered baseline CSV and a day of capture files.

Deterministic (seeded). The baseline dataset is what SageMaker asks for: the model's
output first (``churn``, the churn probability the endpoint returns), then its inputs.
Capture lines are base64-CSV (output column first), partitioned
``<endpoint>/<variant>/yyyy/mm/dd/hh/``, as SageMaker data capture writes them; the model
is the same function in both. Every frame has exactly 5 % of tenure missing (what the
baseline's completeness constraint expects), so a steady hour is quiet. The last hour
drifts (:data:`PLANTED`): incomes grow by 60 %, a new plan ("enterprise") takes a fifth
of the traffic and tenure goes missing three times as often.
"""

from __future__ import annotations

import argparse
import base64
import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

# What the drifted hour (12:00-13:00) plants, as the checks name it; the steady hour
# (11:00-12:00) plants nothing. scripts/demo_verdict.py and tests/test_demo.py read it.
PLANTED = {
    11: [],
    12: [
        ("income", "baseline_drift_check"),
        ("plan", "baseline_drift_check"),
        ("plan", "categorical_values_check"),
        ("tenure", "completeness_check"),
    ],
}
TENURE_MISSING = 0.05


def churn_model(age: np.ndarray, calls: np.ndarray) -> np.ndarray:
    """The demo endpoint's model: the churn probability it returns for a request."""
    score = -2.4 + 0.35 * calls + 0.01 * (age - 45)
    return np.round(1.0 / (1.0 + np.exp(-score)), 6)


def training_frame(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    age = rng.integers(18, 80, rows)
    income = np.round(rng.lognormal(10.5, 0.4, rows), 2)
    plan = rng.choice(["basic", "plus", "premium"], rows, p=[0.6, 0.3, 0.1])
    calls = rng.poisson(3.0, rows)
    tenure = np.round(rng.gamma(2.0, 12.0, rows), 1)
    tenure[rng.permutation(rows)[: round(rows * TENURE_MISSING)]] = np.nan
    churn = churn_model(age, calls)
    return pd.DataFrame(
        {
            "churn": churn,
            "age": age,
            "income": income,
            "plan": plan,
            "calls": calls,
            "tenure": tenure,
        }
    )


def capture_lines(frame: pd.DataFrame, day: str, hour: int, rng: np.random.Generator) -> list[str]:
    lines = []
    for row in frame.itertuples(index=False):
        values = ["" if isinstance(v, float) and np.isnan(v) else str(v) for v in row]
        prob = values[0]  # what the model answered
        second = int(rng.integers(0, 3600))

        def side(data: str, mode: str, content_type: str) -> dict[str, str]:
            encoded = base64.b64encode(data.encode()).decode()
            return {
                "observedContentType": content_type,
                "mode": mode,
                "data": encoded,
                "encoding": "BASE64",
            }

        lines.append(
            json.dumps(
                {
                    "captureData": {
                        "endpointInput": side(",".join(values[1:]), "INPUT", "text/csv"),
                        "endpointOutput": side(prob, "OUTPUT", "text/csv; charset=utf-8"),
                    },
                    "eventMetadata": {
                        "eventId": str(uuid.UUID(int=int(rng.integers(0, 2**63)))),
                        "inferenceTime": f"{day}T{hour:02d}:{second // 60:02d}:{second % 60:02d}Z",
                    },
                    "eventVersion": "0",
                }
            )
        )
    return lines


def drift(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """The drifted hour's traffic: what :data:`PLANTED` names, nothing else (the model does
    not read income, plan or tenure, so its answers keep their distribution)."""
    rows = len(frame)
    frame["income"] = np.round(frame["income"] * 1.6, 2)
    frame.loc[rng.permutation(rows)[: rows // 5], "plan"] = "enterprise"
    present = np.flatnonzero(frame["tenure"].notna().to_numpy())
    gone = rng.permutation(present)[: round(rows * 2 * TENURE_MISSING)]
    frame.loc[frame.index[gone], "tenure"] = np.nan


def scored(rows: int, signal: float, rng: np.random.Generator) -> pd.DataFrame:
    """A churn model's probability, prediction (cut at 0.5) and the true label."""
    label = (rng.uniform(size=rows) < 0.25).astype(int)
    noise = rng.uniform(0.0, 1.0 - signal, rows)
    probability = np.round(np.clip(signal * label + noise, 0.0, 1.0), 4)
    return pd.DataFrame(
        {"probability": probability, "prediction": (probability >= 0.5).astype(int), "label": label}
    )


def model_quality_data(out: Path, rng: np.random.Generator) -> None:
    """Labelled validation predictions for the baseline; two hours of captured probabilities
    (CSV, keyed by inferenceId) with ground truth for 90 % of them; the model degrades in
    the second hour."""
    (out / "mq-baseline").mkdir(parents=True, exist_ok=True)
    scored(1000, 0.35, rng).to_csv(out / "mq-baseline" / "validation-predictions.csv", index=False)
    for hour, signal in ((11, 0.35), (12, 0.05)):
        frame = scored(300, signal, rng)
        captures, labels = [], []
        for i, row in enumerate(frame.itertuples(index=False)):
            inference_id = f"{hour}-{i:05d}"
            second = int(rng.integers(0, 3600))
            captures.append(
                json.dumps(
                    {
                        "captureData": {
                            "endpointInput": {
                                "observedContentType": "text/csv",
                                "mode": "INPUT",
                                "data": "1,2,3",
                                "encoding": "CSV",
                            },
                            "endpointOutput": {
                                "observedContentType": "text/csv; charset=utf-8",
                                "mode": "OUTPUT",
                                "data": str(row.probability),
                                "encoding": "CSV",
                            },
                        },
                        "eventMetadata": {
                            "eventId": str(uuid.UUID(int=int(rng.integers(0, 2**63)))),
                            "inferenceId": inference_id,
                            "inferenceTime": f"2024-03-01T{hour:02d}:{second // 60:02d}:"
                            f"{second % 60:02d}Z",
                        },
                        "eventVersion": "0",
                    }
                )
            )
            if rng.uniform() < 0.9:
                labels.append(
                    json.dumps(
                        {
                            "groundTruthData": {"data": str(row.label), "encoding": "CSV"},
                            "eventMetadata": {"eventId": inference_id},
                            "eventVersion": "0",
                        }
                    )
                )
        part = Path("2024") / "03" / "01" / f"{hour:02d}"
        for root, lines in (
            (out / "mq-capture" / "demo-endpoint" / "AllTraffic", captures),
            (out / "ground-truth", labels),
        ):
            (root / part).mkdir(parents=True, exist_ok=True)
            (root / part / "00-00-000-0000.jsonl").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )


def bias_frame(n: int, rng: np.random.Generator, against_women: float = 0.0) -> pd.DataFrame:
    """Loan applications: approval and the model's prediction independent of sex and age
    (some noise), unless ``against_women`` turns that share of women's approvals down."""
    sex = rng.choice(["F", "M"], n)
    age = rng.integers(18, 80, n)
    approved = (rng.random(n) < 0.5).astype(int)
    predicted = np.where(rng.random(n) < 0.85, approved, 1 - approved)
    predicted = np.where((sex == "F") & (rng.random(n) < against_women), 0, predicted)
    zip_code = rng.choice(["10001", "10002", "10003"], n)
    return pd.DataFrame(
        {"sex": sex, "age": age, "zip": zip_code, "approved": approved, "predicted": predicted}
    )


def bias_data(out: Path, rng: np.random.Generator) -> None:
    """A labelled baseline with the model's predictions, and two hours of merged records
    (captured predictions with their ground truth): the second one biased against women."""
    for name, rows, against in (
        ("baseline", 20000, 0.0),
        ("window-11h", 5000, 0.0),
        ("window-12h", 5000, 0.4),
    ):
        (out / "bias" / name).mkdir(parents=True, exist_ok=True)
        frame = bias_frame(rows, rng, against)
        frame.to_csv(out / "bias" / name / "records.csv", index=False)
        if name == "window-12h":
            bias_captures(frame, out / "bias", hour=12)


def bias_captures(frame: pd.DataFrame, out: Path, hour: int) -> None:
    """The same records as the endpoint saw them: captured requests (sex, age, zip as CSV)
    and predictions under ``capture/``, and the labels sent later under ``ground-truth/``,
    keyed by inferenceId. Every tenth record has no label yet (it is left out by the
    merge, and counted)."""
    day = "2024/03/01"
    captures = out / "capture" / "demo-endpoint" / "AllTraffic" / day / f"{hour:02d}"
    labels = out / "ground-truth" / day / f"{hour:02d}"
    captures.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    capture_lines, label_lines = [], []
    for i, row in enumerate(frame.itertuples(index=False)):
        inference_id = f"bias-{hour:02d}-{i:06d}"
        second = i * 3600 // len(frame)
        capture_lines.append(
            json.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": "text/csv",
                            "mode": "INPUT",
                            "data": f"{row.sex},{row.age},{row.zip}",
                            "encoding": "CSV",
                        },
                        "endpointOutput": {
                            "observedContentType": "text/csv; charset=utf-8",
                            "mode": "OUTPUT",
                            "data": str(row.predicted),
                            "encoding": "CSV",
                        },
                    },
                    "eventMetadata": {
                        "eventId": f"event-{inference_id}",
                        "inferenceId": inference_id,
                        "inferenceTime": f"2024-03-01T{hour:02d}:{second // 60:02d}:"
                        f"{second % 60:02d}Z",
                    },
                    "eventVersion": "0",
                }
            )
        )
        if i % 10 != 9:
            label_lines.append(
                json.dumps(
                    {
                        "groundTruthData": {"data": str(row.approved), "encoding": "CSV"},
                        "eventMetadata": {"eventId": inference_id},
                        "eventVersion": "0",
                    }
                )
            )
    (captures / "capture.jsonl").write_text("\n".join(capture_lines) + "\n")
    (labels / "labels.jsonl").write_text("\n".join(label_lines) + "\n")


def explain_frame(rows: int, rng: np.random.Generator, broken_calls: bool = False) -> pd.DataFrame:
    """Numeric churn features (Kernel SHAP explains numbers) and the churn label. With
    ``broken_calls`` an upstream counter is stuck (calls always 2) and incomes spread
    wider: the model's attributions move from calls to income."""
    age = rng.integers(18, 80, rows)
    income = np.round(rng.lognormal(10.5, 0.9 if broken_calls else 0.4, rows), 2)
    calls = np.full(rows, 2) if broken_calls else rng.poisson(3.0, rows)
    tenure = np.round(rng.gamma(2.0, 12.0, rows), 1)
    score = -2.0 + 0.6 * calls - 0.04 * tenure + 0.8 * (income > 60000)
    churn = (rng.uniform(size=rows) < 1 / (1 + np.exp(-score))).astype(int)
    return pd.DataFrame(
        {"churn": churn, "age": age, "income": income, "calls": calls, "tenure": tenure}
    )


def explain_data(out: Path, rng: np.random.Generator) -> None:
    """Explainability: labelled training rows (the demo trains its model on them), the
    baseline's features (headerless, as Clarify's monitor reads them), and two hours of
    captured requests (base64 CSV), the second with the stuck counter."""
    root = out / "explain"
    (root / "baseline").mkdir(parents=True, exist_ok=True)
    explain_frame(2000, rng).to_csv(root / "train.csv", index=False)
    baseline = explain_frame(600, rng).drop(columns="churn")
    baseline.to_csv(root / "baseline" / "features.csv", index=False, header=False)
    for hour, broken in ((11, False), (12, True)):
        frame = explain_frame(300, rng, broken_calls=broken)
        part = root / "capture" / "demo-endpoint" / "AllTraffic" / "2024" / "03" / "01"
        (part / f"{hour:02d}").mkdir(parents=True, exist_ok=True)
        (part / f"{hour:02d}" / "00-00-000-0000.jsonl").write_text(
            "\n".join(capture_lines(frame, "2024-03-01", hour, rng)) + "\n", encoding="utf-8"
        )


def batch_data(out: Path, rng: np.random.Generator) -> None:
    """A nightly batch transform started 2024-03-01T02:05Z with DataCaptureConfig
    (GenerateInferenceId): its input objects (the churn model's inputs, CSV without a
    header), their .out outputs (the churn probability, the inference id and the job's start
    time), the capture destination's input and output manifests under the hour it started,
    and the labels that came back for 80 % of its records, keyed by inference id."""
    root = (out / "batch").resolve()
    day = Path("2024") / "03" / "01"
    started = "2024-03-01T02:05:00Z"
    labels = []
    entries = []
    for part in range(2):
        frame = training_frame(500, rng)
        name = f"customers-{part}.csv"
        entries.append(name)
        inputs = frame.drop(columns=["churn"])
        (root / "transform-input").mkdir(parents=True, exist_ok=True)
        inputs.to_csv(root / "transform-input" / name, index=False, header=False)
        outputs = []
        for probability in frame["churn"]:
            inference_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
            outputs.append(f"{probability}, {inference_id},{started}")
            if rng.uniform() < 0.8:
                label = int(rng.uniform() < probability)
                labels.append(
                    json.dumps(
                        {
                            "groundTruthData": {"data": str(label), "encoding": "CSV"},
                            "eventMetadata": {"eventId": inference_id},
                            "eventVersion": "0",
                        }
                    )
                )
        (root / "transform-output").mkdir(parents=True, exist_ok=True)
        (root / "transform-output" / f"{name}.out").write_text("\n".join(outputs) + "\n")
    manifest = "6f1c2b9e-0c1a-4d7e-9a51-2f4b7d0e8c11.json"
    for side, folder, suffix in (
        ("input", "transform-input", ""),
        ("output", "transform-output", ".out"),
    ):
        hour = root / "capture" / side / day / "02"
        hour.mkdir(parents=True, exist_ok=True)
        listed = [{"prefix": f"{root / folder}/"}, *(e + suffix for e in entries)]
        (hour / manifest).write_text(json.dumps(listed))
    (root / "ground-truth" / day / "06").mkdir(parents=True, exist_ok=True)
    (root / "ground-truth" / day / "06" / "labels.jsonl").write_text("\n".join(labels) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo-data")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--capture-rows-per-hour", type=int, default=2000)
    parser.add_argument("--hours", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    (out / "baseline").mkdir(parents=True, exist_ok=True)
    training_frame(args.rows, rng).to_csv(out / "baseline" / "dataset.csv", index=False)
    for hour in range(args.hours):
        part = (
            out
            / "capture"
            / "demo-endpoint"
            / "AllTraffic"
            / "2024"
            / "03"
            / "01"
            / f"{10 + hour:02d}"
        )
        part.mkdir(parents=True, exist_ok=True)
        frame = training_frame(args.capture_rows_per_hour, rng)
        if hour == args.hours - 1:
            drift(frame, rng)
        (part / f"00-00-000-{hour:04d}.jsonl").write_text(
            "\n".join(capture_lines(frame, "2024-03-01", 10 + hour, rng)) + "\n", encoding="utf-8"
        )
    model_quality_data(out, np.random.default_rng(args.seed + 1))
    bias_data(out, np.random.default_rng(args.seed + 2))
    explain_data(out, np.random.default_rng(args.seed + 3))
    batch_data(out, np.random.default_rng(args.seed + 4))
    print(
        f"sample data in {out}/ (baseline/dataset.csv, mq-baseline/validation-predictions.csv, "
        "capture/, mq-capture/, ground-truth/, bias/, explain/, batch/)"
    )


if __name__ == "__main__":
    main()
