"""Request bodies and answers as Clarify's predictor settings describe them: each content
type written with floats that round-trip, each accept type read with its selector, and a
wrong answer named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from monitor_job.errors import ModelError
from monitor_job.explainability.config import PredictorConfig
from monitor_job.explainability.payload import decode, encode

ROWS = np.array([[0.1, 1e-300, 3.0], [-2.5, 1 / 3, 7.0]])
NAMES = ("a", "b", "c")


def test_bodies_carry_exact_floats() -> None:
    csv = encode(PredictorConfig(endpoint_url="u"), ROWS, NAMES).decode()
    assert np.array_equal(np.loadtxt(csv.splitlines(), delimiter=","), ROWS)
    lines = PredictorConfig(
        endpoint_url="u",
        content_type="application/jsonlines",
        content_template='{"features":$features}',
    )
    body = encode(lines, ROWS, NAMES).decode().splitlines()
    assert [json.loads(b)["features"] for b in body] == ROWS.tolist()
    kvp = PredictorConfig(
        endpoint_url="u",
        content_type="application/json",
        content_template='{"instances":$records}',
        record_template="$features_kvp",
    )
    doc = json.loads(encode(kvp, ROWS, NAMES))
    assert doc == {"instances": [dict(zip(NAMES, r, strict=True)) for r in ROWS.tolist()]}
    named = PredictorConfig(
        endpoint_url="u",
        content_type="application/json",
        content_template="$record",
        record_template='{"x": "${a}", "y": "${c}"}',
    )
    assert json.loads(encode(named, ROWS[:1], NAMES)) == {"x": 0.1, "y": 3.0}


def test_answers_by_selector() -> None:
    csv = PredictorConfig(endpoint_url="u", probability=1)
    assert decode(csv, b"1,0.25\n0,0.75\n", 2).tolist() == [[0.25], [0.75]]
    assert decode(PredictorConfig(endpoint_url="u"), b"0.1,0.9\n0.4,0.6\n", 2).shape == (2, 2)
    lines = PredictorConfig(
        endpoint_url="u", accept_type="application/jsonlines", probability="scores[1]"
    )
    assert decode(lines, b'{"scores":[0.2,0.8]}\n{"scores":[0.6,0.4]}', 2).tolist() == [
        [0.8],
        [0.4],
    ]
    whole = PredictorConfig(
        endpoint_url="u", accept_type="application/json", probability="predictions[*].p"
    )
    assert decode(whole, b'{"predictions":[{"p":0.5},{"p":1}]}', 2).tolist() == [[0.5], [1.0]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"0.5\n", r"answered 1 row\(s\) for 2"),
        (b"0.5\nnan\n", "not finite"),
        (b"0.5\nyes\n", "is not a number"),
        (b"0.5,1\n0.5\n", "differ in length"),
    ],
)
def test_wrong_answers_are_named(body: bytes, says: str) -> None:
    with pytest.raises(ModelError, match=says):
        decode(PredictorConfig(endpoint_url="u"), body, 2)
