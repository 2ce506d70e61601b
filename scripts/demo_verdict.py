"""What the demo planted in a capture hour against what the monitoring run found there.

    .venv/bin/python scripts/demo_verdict.py HOUR RUN_DIR

Prints one line per violation, planted or found, and whether they agree; exits 1 when they
do not (the demo's data or the job is then wrong, and the demo says so).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_sample_data import PLANTED


def verdict(hour: int, run: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    found = json.loads((run / "constraint_violations.json").read_text())["violations"]
    return set(PLANTED[hour]), {(v["feature_name"], v["constraint_check_type"]) for v in found}


def main() -> None:
    hour, run = int(sys.argv[1]), Path(sys.argv[2])
    planted, found = verdict(hour, run)
    print(f"hour {hour}: planted {len(planted)} violation(s), found {len(found)}")
    for feature, check in sorted(planted | found):
        mark = "planted and found" if (feature, check) in planted & found else (
            "planted, NOT found" if (feature, check) in planted else "found, NOT planted"
        )  # fmt: skip
        print(f"  {feature:<10} {check:<26} {mark}")
    if planted != found:
        raise SystemExit(f"hour {hour}: the run did not find exactly what was planted")
    print(
        f"hour {hour}: exactly what was planted" if planted else f"hour {hour}: quiet, as planted"
    )


if __name__ == "__main__":
    main()
