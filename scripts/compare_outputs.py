"""Compare two trees of run outputs byte for byte (``make demo``'s ``demo-output/`` before and
after a change that must not change behaviour):

    .venv/bin/python scripts/compare_outputs.py BEFORE AFTER

Both trees must hold the same files with the same bytes, except values that are the wall
clock of the run by design, masked in both before comparing: a model-quality
statistics.json's ``evaluation_time``, and the ``Timestamp`` of CloudWatch lines written by
a run given no window end or ``metric_time`` (the bias demo). Exit 0 when equal; else each
difference is listed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

# (file name pattern, value pattern): the value is the run's wall clock by design.
WALL_CLOCK = (
    (re.compile(r"statistics\.json$"), re.compile(r'("evaluation_time": )"[^"]*"')),
    (re.compile(r"cloudwatch_metrics\.jsonl$"), re.compile(r'("Timestamp": )"[^"]*"')),
)


def masked(path: Path) -> bytes:
    data = path.read_bytes()
    for name, value in WALL_CLOCK:
        if name.search(path.name):
            data = value.sub(r'\1"<wall clock>"', data.decode("utf-8")).encode("utf-8")
    return data


def files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def compare(before: Path, after: Path) -> list[str]:
    problems = []
    old, new = files(before), files(after)
    problems += [f"only in {before}: {p}" for p in sorted(old - new)]
    problems += [f"only in {after}: {p}" for p in sorted(new - old)]
    for rel in sorted(old & new):
        a, b = masked(before / rel), masked(after / rel)
        if a != b:
            diff = difflib.unified_diff(
                a.decode("utf-8", "replace").splitlines(),
                b.decode("utf-8", "replace").splitlines(),
                lineterm="",
                n=0,
            )
            shown = "\n    ".join(line[:160] for line in list(diff)[2:8])
            problems.append(f"differs: {rel}\n    {shown}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems = compare(args.before, args.after)
    for line in problems:
        print(line)
    count = len(files(args.before) | files(args.after))
    print(f"{count} file(s) compared: {'identical' if not problems else f'{len(problems)} differ'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
