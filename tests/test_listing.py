"""Hour partitions outside the window are not even listed."""

from __future__ import annotations

from datetime import datetime, timezone

from monitor_job.io import list_input


def test_hours_outside_window_are_pruned(tmp_path) -> None:
    for hour in ("08", "09", "10", "11"):
        part = tmp_path / "ep" / "AllTraffic" / "2024" / "03" / "01" / hour
        part.mkdir(parents=True)
        (part / "f.jsonl").write_text("{}\n")
    (tmp_path / "ep" / "AllTraffic" / "2024" / "03" / "02" / "00").mkdir(parents=True)
    start = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    end = datetime(2024, 3, 1, 11, 0, tzinfo=timezone.utc)
    listing = list_input(str(tmp_path), start, end)
    assert [f.split("/")[-2] for f in listing.files] == ["09", "10"]
    assert len(listing.searched) == 2
    assert sorted(p.rsplit("/", 1)[-1] for p in listing.pruned) == ["02", "08", "11"]
    assert len(list_input(str(tmp_path)).files) == 4
