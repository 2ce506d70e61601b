"""The demo's model for explainability: a gradient-boosting churn classifier trained on
demo-data/explain/train.csv, pickled, with the predict script that serves it
(``monitor-job serve-model --predict-script``): rows of (age, income, calls, tenure) in,
the churn probability out."""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier

PREDICT = '''"""The demo churn model (scripts/train_demo_model.py): rows in, P(churn) out."""
import pickle
from pathlib import Path

import numpy as np

MODEL = pickle.loads((Path(__file__).parent / "model.pkl").read_bytes())


def predict(rows):
    return MODEL.predict_proba(np.asarray(rows, dtype=float))[:, 1]
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="demo-data/explain/train.csv")
    parser.add_argument("--out", default="demo-output/explain-model")
    args = parser.parse_args()
    frame = pd.read_csv(args.data)
    features, label = frame.drop(columns="churn"), frame["churn"]
    model = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=0)
    model.fit(features.to_numpy(), label)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.pkl").write_bytes(pickle.dumps(model))
    (out / "model.py").write_text(PREDICT)
    print(f"trained a churn model on {len(frame)} rows: {out}/model.pkl, {out}/model.py")


if __name__ == "__main__":
    main()
