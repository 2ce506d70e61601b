"""The README and the pages under docs/: every link between them resolves (the file, and
the heading an anchor names), and every ``monitor-job`` command in their examples parses
with the job's own command line (a renamed or removed option fails here, not for a
reader)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from monitor_job.cli import _parser

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"(?ms)^```[a-z]*\n(.*?)^```")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"(?m)^#+ (.*)$", page.read_text())}


def commands(text: str) -> list[str]:
    """The ``monitor-job`` commands of the fenced blocks, continuation lines joined."""
    found = []
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removesuffix("&").strip()
            line = re.sub(r"\[(--[^\]]+)\]", r"\1", line)  # an optional option, [--x]
            if re.match(r"^(\.venv/bin/)?monitor-job ", line):
                found.append(line)
    return found


def test_the_topics_have_pages_and_the_readme_links_them() -> None:
    names = {p.name for p in PAGES}
    for page in (
        "CONTRACT.md", "MONITOR-TYPES.md", "BATCH-TRANSFORM.md", "ROLLUPS.md", "SCHEDULES.md",
        "REPORTS.md", "ALERTS.md", "SECURITY.md", "BENCHMARKS.md",
    ):  # fmt: skip
        assert page in names
        assert f"](docs/{page})" in (REPO / "README.md").read_text(), page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        name, _, anchor = target.partition("#")
        where = (page.parent / name).resolve() if name else page
        assert where.exists(), f"{page.name}: {target}"
        if anchor:
            assert anchor in anchors(where), f"{page.name}: {target}"


def test_every_command_in_the_examples_parses() -> None:
    parser = _parser()
    found = [(p.name, c) for p in PAGES for c in commands(p.read_text())]
    assert len(found) >= 15  # the README's CLI block, bias, explainability, reports, rollups
    for page, command in found:
        args = shlex.split(command)[1:]
        try:
            parser.parse_args(args)
        except SystemExit as err:
            raise AssertionError(f"{page}: {command}") from err


def test_a_removed_option_would_fail() -> None:
    """The parse above can fail: an option the CLI does not have is refused."""
    with pytest.raises(SystemExit):
        _parser().parse_args(["baseline", "--dataset", "d", "--output", "o", "--no-such"])
