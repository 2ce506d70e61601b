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

from tests.compare import assert_close
from tests.explainability.models import script_config

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
    config = script_config(tmp_path, MODEL, num_samples=100, num_clusters=3, agg_method="median")
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


def test_a_seeded_sample_of_the_records_is_explained(spark, tmp_path) -> None:
    """``methods.shap.sample_size`` (ours): that many records, chosen by a hash of their
    values and the seed, the same on any partition layout; the background is still the
    whole dataset's, and the number explained is stated in analysis.json and the summary."""
    from monitor_job.cli import main
    from monitor_job.errors import EXIT_OK

    rows, size = 2_000, 300
    rng = np.random.default_rng(7)
    names = [f"x{i}" for i in range(WIDTH)]
    data = pd.DataFrame(rng.normal(size=(rows, WIDTH)).round(6), columns=names)
    one, four = tmp_path / "one", tmp_path / "four"
    one.mkdir()
    four.mkdir()
    data.to_csv(one / "data.csv", index=False)
    for part in range(4):  # another layout: four files, records in another order
        data.iloc[part::4].to_csv(four / f"part-{part}.csv", index=False)
    config = script_config(
        tmp_path, MODEL, num_samples=50, num_clusters=3, sample_size=size, seed=11
    )
    outs = []
    for dataset in (one, four):
        out = tmp_path / f"out-{dataset.name}"
        args = ["explain", "--dataset", str(dataset), "--format", "csv",
                "--analysis-config", str(config), "--output", str(out)]  # fmt: skip
        assert main(args) == EXIT_OK
        outs.append(out)
    local = [
        pd.read_csv(o / "explanations_shap" / "out.csv", float_precision="round_trip") for o in outs
    ]
    assert len(local[0]) == size
    # The same records on both layouts (the background's centres may differ in the last
    # bits: the clusters' sums are added in another order).
    first, second = (np.asarray(sorted(map(tuple, f.to_numpy()))) for f in local)
    np.testing.assert_allclose(first, second, rtol=0, atol=1e-9)
    # Kernel SHAP's values add up to f(x) - E[f] (the background: the whole data's mean),
    # so each row's sum gives back the prediction of one of the input's records.
    predicted = local[0].to_numpy().sum(axis=1) + data.mean().to_numpy() @ WEIGHTS
    truth = np.sort(data.to_numpy() @ WEIGHTS)
    at = np.clip(np.searchsorted(truth, predicted), 1, rows - 1)
    nearest = np.minimum(np.abs(truth[at] - predicted), np.abs(truth[at - 1] - predicted))
    assert nearest.max() < 1e-9
    analysis = json.loads((outs[0] / "analysis.json").read_text())
    stated = f"explained a seeded sample of {size} of {rows} records"
    assert analysis["notes"] == [f"{stated} (methods.shap.sample_size {size}, seed 11)"]
    other = json.loads((outs[1] / "analysis.json").read_text())
    assert_close(analysis["explanations"], other["explanations"], 1e-9)
    summary = json.loads((outs[0] / "monitor-job-summary.json").read_text())
    assert summary["item_count"] == size
    assert any(stated in note for note in summary["notes"])
