"""`make demo`'s data-quality part says what it planted and finds exactly that: the steady
hour is quiet, the drifted hour has the four planted violations and no other."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from demo_verdict import verdict  # noqa: E402
from make_sample_data import PLANTED  # noqa: E402


def test_the_demo_finds_what_it_planted(spark, tmp_path, monkeypatch) -> None:
    import make_sample_data

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["make_sample_data.py", "--out", "demo-data"])
    make_sample_data.main()
    for config in ("demo-baseline", "demo-monitor", "demo-monitor-drift"):
        assert main(["run", "--config", str(REPO / "configs" / f"{config}.yaml")]) == EXIT_OK
    steady, drifted = (
        verdict(hour, tmp_path / "demo-output" / f"monitor-{hour}h") for hour in (11, 12)
    )
    assert steady == (set(), set())
    planted, found = drifted
    assert found == planted == set(PLANTED[12]) and len(planted) == 4


@pytest.mark.parametrize("hour", sorted(PLANTED))
def test_the_verdict_can_disagree(tmp_path, hour) -> None:
    """The comparison is not a formality: a run that found something else is told apart."""
    import json

    (tmp_path / "constraint_violations.json").write_text(
        json.dumps(
            {"violations": [{"feature_name": "age", "constraint_check_type": "data_type_check"}]}
        )
    )
    planted, found = verdict(hour, tmp_path)
    assert planted != found
