"""Explainability: Kernel SHAP of N records (10 features, num_samples 100, a background of
10 rows) against a model served over HTTP (``monitor-job serve-model``, its own process),
as the job runs it (Spark tasks, batched calls) against ``shap.KernelExplainer`` in one
process on the same records, background, model server and settings; the same explainer
with the model in process too. Prints records/s of each and the ratio.

    .venv/bin/python scripts/bench_explain.py [--records 10000] [--reference-records 2000]

The one-process references run on the first ``--reference-records`` records (their rate
does not depend on how many)."""

from __future__ import annotations

import argparse
import json
import pickle
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = 10
PREDICT = """import pickle
from pathlib import Path

import numpy as np

MODEL = pickle.loads((Path(__file__).parent / "model.pkl").read_bytes())


def predict(rows):
    return MODEL.predict_proba(np.asarray(rows, dtype=float))[:, 1]
"""


def prepare(root: Path, records: int) -> tuple[Path, np.ndarray, np.ndarray]:
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(records, FEATURES)).round(6)
    y = x[:, 0] * x[:, 1] + x[:, 2] - 0.5 * x[:, 3] ** 2 + rng.normal(0, 0.5, records) > 0
    model = GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=0)
    model.fit(x[:2000], y[:2000])
    root.mkdir(parents=True, exist_ok=True)
    (root / "model.pkl").write_bytes(pickle.dumps(model))
    (root / "model.py").write_text(PREDICT)
    (root / "data").mkdir(exist_ok=True)
    names = [f"f{i}" for i in range(FEATURES)]
    pd.DataFrame(x, columns=names).to_csv(root / "data" / "records.csv", index=False)
    background = x[rng.choice(records, 10, replace=False)]
    return root / "model.py", x, background


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reference(predict: object, x: np.ndarray, background: np.ndarray) -> float:
    import shap

    explainer = shap.KernelExplainer(predict, background)
    start = time.perf_counter()
    for row in x:
        explainer.shap_values(row, nsamples=100, l1_reg=False, silent=True)
    return len(x) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--reference-records", type=int, default=2_000)
    args = parser.parse_args()
    root = Path("bench-data") / f"explain-{args.records}"
    script, x, background = prepare(root, args.records)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor_job",
            "serve-model",
            "--predict-script",
            str(script),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        from monitor_job.cli import main as job
        from monitor_job.runtime.spark import build_session

        build_session().range(10).count()  # JVM and session start are not timed
        rates = {}
        for name, predictor in (
            ("http", {"endpoint_url": url}),
            ("script", {"predict_script": str(script)}),
        ):
            config = {
                "methods": {"shap": {"num_samples": 100, "baseline": background.tolist()}},
                "predictor": predictor,
            }
            (root / f"{name}.json").write_text(json.dumps(config))
            args_ = ["explain", "--dataset", str(root / "data"), "--analysis-config"]
            start = time.perf_counter()
            code = job([*args_, str(root / f"{name}.json"), "--output", str(root / f"out-{name}")])
            rates[name] = args.records / (time.perf_counter() - start)
            assert code == 0, code
        same = (root / "out-http" / "analysis.json").read_bytes() == (
            root / "out-script" / "analysis.json"
        ).read_bytes()

        from monitor_job.explainability.config import PredictorConfig
        from monitor_job.explainability.model import Model

        names = tuple(f"f{i}" for i in range(FEATURES))
        http = Model(PredictorConfig(endpoint_url=url), names)
        subset = x[: args.reference_records]
        over_http = reference(lambda rows: http(rows)[:, 0], subset, background)
        from monitor_job.decode.preprocess import load_function

        predict, _ = load_function(str(script), "predict")
        in_process = reference(predict, subset, background)
    finally:
        server.terminate()
        server.wait()
    print(
        f"machine: 2 cores; {args.records:,} records x {FEATURES} features, num_samples 100, "
        "background 10 rows, a gradient-boosting model (50 trees); the same analysis.json "
        f"both ways: {same}"
    )
    print("                                       model over HTTP    model in process")
    print(
        f"monitor-job explain (Spark, 2 cores)  {rates['http']:8,.0f} rec/s     "
        f"{rates['script']:8,.0f} rec/s"
    )
    print(
        f"shap.KernelExplainer, one process     {over_http:8,.0f} rec/s     "
        f"{in_process:8,.0f} rec/s"
    )
    print(
        f"ratio                                 x{rates['http'] / over_http:8.2f}          "
        f"x{rates['script'] / in_process:8.2f}"
    )


if __name__ == "__main__":
    main()
