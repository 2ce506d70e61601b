"""Explainability with the driver's memory independent of the records (issue 36, item 4):
20,000 records of 10 features explained through spark-submit with
``spark.driver.maxResultSize=1m`` (their SHAP values are 1.6 MB; collected to the driver,
they would stop the job). out.csv comes in input order, streamed a partition at a time; the
global values and the report's distributions equal NumPy's over out.csv."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from tests.explainability.models import write_config, write_script

REPO = Path(__file__).resolve().parents[2]
ROWS, WIDTH = 20_000, 10
WEIGHTS = np.linspace(-2.0, 2.5, WIDTH)
MODEL = f"""
import numpy as np

W = np.array({WEIGHTS.tolist()})


def predict(rows):
    return np.asarray(rows) @ W
"""


def test_twenty_thousand_records_with_a_one_megabyte_result_limit(tmp_path) -> None:
    rng = np.random.default_rng(36)
    names = [f"x{i}" for i in range(WIDTH)]
    data = pd.DataFrame(rng.normal(size=(ROWS, WIDTH)).round(6), columns=names)
    data.to_csv(tmp_path / "data.csv", index=False)
    script = write_script(tmp_path / "linear.py", MODEL)
    config = write_config(
        tmp_path / "config.json",
        {"predict_script": str(script)},
        num_samples=100,
        num_clusters=3,
        agg_method="median",
    )
    out = tmp_path / "out"
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "spark-submit.sh"), "--master", "local[2]",
         "--conf", "spark.driver.maxResultSize=1m",
         "--", "explain", "--dataset", str(tmp_path / "data.csv"),
         "--analysis-config", str(config), "--output", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    local = pd.read_csv(out / "explanations_shap" / "out.csv", float_precision="round_trip")
    assert list(local.columns) == names and len(local) == ROWS
    # Input order: a linear model's SHAP value of x_j is w_j (x_j - the background's mean).
    centred = (data - data.mean()).to_numpy() * WEIGHTS
    assert np.corrcoef(local["x9"], centred[:, 9])[0, 1] > 0.999
    phi = local.to_numpy()
    analysis = json.loads((out / "analysis.json").read_text())
    [entry] = analysis["explanations"]["kernel_shap"].values()
    got = np.asarray(list(entry["global_shap_values"].values()))
    np.testing.assert_array_equal(got, np.median(phi, axis=0))
    summary = json.loads((out / "monitor-job-summary.json").read_text())
    [top] = summary["explainability"]["local_shap"].values()
    for item in top:
        values = local[item["feature"]].to_numpy()
        assert item["quantiles"] == {
            q: float(np.quantile(values, p))
            for q, p in (("min", 0), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("max", 1))
        }
        counts, _ = np.histogram(values, bins=len(item["histogram"]))
        assert [h["share"] for h in item["histogram"]] == (counts / ROWS).tolist()
