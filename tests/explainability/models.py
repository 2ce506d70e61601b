"""Models to explain and the ways of reaching them: data with independent features, a
linear model (exact SHAP values known) and a gradient-boosting one (sklearn, pickled), their
predict scripts (the model server on loopback is in ``conftest.py``)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NAMES = ["f0", "f1", "f2", "f3", "f4"]
WEIGHTS = np.array([1.5, -2.0, 0.5, 0.0, 3.0])
INTERCEPT = 0.25


def features(n: int, seed: int, scale: Any = 1.0, shift: Any = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n, len(NAMES))) * np.asarray(scale) + np.asarray(shift)
    return pd.DataFrame(values.round(6), columns=NAMES)


LINEAR = f"""
import numpy as np

W = np.array({WEIGHTS.tolist()})


def predict(rows):
    return rows @ W + {INTERCEPT}
"""

BOOSTED = """
import pickle

import numpy as np

with open({path!r}, "rb") as handle:
    MODEL = pickle.load(handle)


def predict(rows):
    return MODEL.predict_proba(np.asarray(rows))[:, 1]
"""


def boosted_model(path: Path) -> Path:
    """A gradient-boosting classifier on the first three features (interactions included),
    pickled; its predict script beside it."""
    from sklearn.ensemble import GradientBoostingClassifier

    x = features(600, 7).to_numpy()
    y = (x[:, 0] * x[:, 1] + np.sin(2 * x[:, 2]) > 0).astype(int)
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y)
    pickled = path / "boosted.pkl"
    pickled.write_bytes(pickle.dumps(model))
    script = path / "boosted.py"
    script.write_text(BOOSTED.format(path=str(pickled)))
    return script


def write_script(path: Path, source: str) -> Path:
    path.write_text(source)
    return path


def write_config(
    path: Path, predictor: dict[str, Any], headers: list[str] | None = None, **shap: Any
) -> Path:
    document: dict[str, Any] = {"version": "1.0", "methods": {"shap": shap}}
    if headers is not None:
        document["headers"] = headers
    path.write_text(json.dumps({**document, "predictor": predictor}))
    return path


def script_config(root: Path, source: str, **shap: Any) -> Path:
    """``root/config.json``: the model of ``source`` (written to ``root/linear.py``) as a
    predict script, with ``shap``'s ``methods.shap`` settings."""
    script = write_script(root / "linear.py", source)
    return write_config(root / "config.json", {"predict_script": str(script)}, **shap)
