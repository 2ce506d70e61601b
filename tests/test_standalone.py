"""The repository stands alone: nothing it tracks reaches outside it (issue 17)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# `../shared`, `parents[2] / "shared"` and the like: a path out of the checkout into the
# workspace's read-only reference folder, which users' clones do not have.
OUTSIDE = re.compile(r"\.\./shared\b|parents\[\d+\]\s*/\s*[\"']shared[\"']|/work/shared\b")


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [REPO / name for name in out.split("\0") if name]


def offenders(root: Path, paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        if path.resolve() == Path(__file__).resolve() or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_tracked_file_reads_outside_the_repository() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    assert offenders(REPO, tracked_files()) == []


def test_the_guard_finds_a_path_outside(tmp_path: Path) -> None:
    bad = tmp_path / "t.py"
    bad.write_text('REF = Path(__file__).resolve().parents[2] / "shared" / "reference"\n')
    also = tmp_path / "Makefile"
    also.write_text("data:\n\tcp ../shared/reference/x.json tests/\n")
    fine = tmp_path / "ok.py"
    fine.write_text("# the install steps, shared with make setup\n")
    found = offenders(tmp_path, [bad, also, fine])
    assert [line.split(":")[0] for line in found] == ["t.py", "Makefile"]
