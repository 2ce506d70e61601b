"""report.html: built from a run's files, opened in a real browser (Debian's chromium,
driven by Playwright), rebuilt by ``monitor-job report``, and from SageMaker's own files.

The browser tests run in CI (CI=true) and never skip there; elsewhere they skip, with the
reason, when chromium or Playwright is missing. Screenshots go to ``test-output/`` (or
``$MONITOR_JOB_TEST_OUTPUT``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from monitor_job.cli import main
from monitor_job.contract.config import KNOWN_KEYS
from monitor_job.errors import EXIT_OK
from monitor_job.monitors import render_run
from monitor_job.report import read_run

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "sagemaker"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags the issue names; Playwright adds its own automation flags to these.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("MONITOR_JOB_TEST_OUTPUT", REPO / "test-output"))
LAPTOP = {"width": 1366, "height": 768}


def read(path: Path) -> Any:
    return json.loads(path.read_text())


class Page(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]


# -- the demo's runs ----------------------------------------------------------------------


def run_config(name: str, root: Path) -> None:
    """A ``make demo`` step with its relative paths anchored in ``root``."""
    text = (REPO / "configs" / name).read_text()
    for top in ("demo-data/", "demo-output/"):
        text = text.replace(top, f"{root}/{top}")
    (root / name).write_text(text)
    assert main(["run", "--config", str(root / name)]) == EXIT_OK


def run_demo_steps(root: Path, *configs: str) -> None:
    """``make demo``'s sample data in ``root``, then the named demo job files on it."""
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_data.py"), "--out", "demo-data"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    with pytest.MonkeyPatch.context() as mp:
        for key in KNOWN_KEYS:
            mp.delenv(key, raising=False)
        for name in configs:
            run_config(name, root)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Path:
    """The data-quality part of ``make demo``: baseline, a steady and a drifted hour."""
    root = tmp_path_factory.mktemp("demo")
    run_demo_steps(root, "demo-baseline.yaml", "demo-monitor.yaml", "demo-monitor-drift.yaml")
    return root / "demo-output"


# -- the browser ----------------------------------------------------------------------------


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, with a fresh profile directory."""
    if not Path(CHROMIUM).exists():
        unavailable("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (make setup installs the test extras)")
    profile = tempfile.mkdtemp(prefix="monitor-job-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport=LAPTOP,
            )
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from a file:// URL, with everything it logged and requested."""

    def __init__(self, context: Any, path: Path) -> None:
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / name
        self.page.screenshot(path=str(target), full_page=True)
        print(f"screenshot: {target}")
        return target

    def assert_clean(self) -> None:
        """No console error or warning, no script error, nothing fetched but the page."""
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.errors == []
        assert self.requests and all(u.startswith("file://") for u in self.requests), self.requests
        assert len(set(self.requests)) == 1  # the page itself: no image, font, script
        assert self.page.evaluate("document.scripts.length") == 0

    def assert_fits(self) -> None:
        """Readable at a laptop's width: nothing wider than the window."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= LAPTOP["width"], width


def css(value: str) -> str:
    return json.dumps(value)  # a CSS string literal for an attribute selector


def test_demo_monitoring_report_in_chromium(demo: Path, browser: Any) -> None:
    run = demo / "monitor-12h"
    opened = Opened(browser, run / "report.html")
    page = opened.page
    opened.assert_clean()
    opened.assert_fits()
    shot = opened.screenshot("report-monitor-12h.png")
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one

    stats, baseline = read(run / "statistics.json"), read(demo / "baseline" / "statistics.json")
    names = {f["name"] for f in stats["features"]} | {f["name"] for f in baseline["features"]}
    summary = read(run / "monitor-job-summary.json")
    for name in names:
        section = page.locator(f"section.feature[data-feature={css(name)}]")
        assert section.count() == 1, name
        assert section.is_visible()
        chart = section.locator("svg").first
        box = chart.bounding_box()
        assert box is not None and box["width"] > 150 and box["height"] > 60, (name, box)
        drift = summary["drift"].get(name)
        if drift is not None:  # the distance the run computed is on the page, as written
            assert f"{drift['distance']:.4g}" in section.inner_text()

    violations = read(run / "constraint_violations.json")["violations"]
    assert len(violations) >= 4  # the drifted hour: drift, new category, missing values
    rows = page.locator("tr.violation")
    assert rows.count() == len(violations)
    for v in violations:
        row = page.locator(
            f"tr.violation[data-feature={css(v['feature_name'])}]"
            f"[data-check={css(v['constraint_check_type'])}]"
        )
        assert row.count() == 1
        assert v["description"] in row.inner_text()
        # each row links to its feature's section, which lists the violation too
        target = row.locator("a").get_attribute("href")
        assert target and target.startswith("#")
        section = page.locator(target)
        assert section.get_attribute("data-feature") == v["feature_name"]
        assert v["constraint_check_type"] in section.inner_text()
        row.locator("a").click()
        assert page.evaluate("location.hash") == target

    # The drift overview has one bar per feature with a drift distance.
    assert page.locator("#drift svg").count() == 1


def test_history_report_over_the_demo_windows_in_chromium(
    demo: Path, browser: Any, tmp_path: Path
) -> None:
    out = tmp_path / "history"
    assert main(["report", "--history", f"{demo}/monitor-", "--output", str(out)]) == EXIT_OK
    opened = Opened(browser, out / "report.html")
    opened.assert_clean()
    opened.assert_fits()
    opened.screenshot("report-history.png")
    page = opened.page

    runs = [demo / "monitor-11h", demo / "monitor-12h"]  # oldest first, by their windows
    labels = page.locator("tr.run").evaluate_all("rows => rows.map(r => r.dataset.run)")
    assert labels == ["2024-03-01 11:00", "2024-03-01 12:00"]
    expected: dict[str, list[str]] = {}
    for run, label in zip(runs, labels, strict=True):
        for v in read(run / "constraint_violations.json")["violations"]:
            expected.setdefault(v["feature_name"], []).append(label)
    names = [f["name"] for f in read(runs[-1] / "statistics.json")["features"]]
    for name in names:
        section = page.locator(f"section.feature[data-feature={css(name)}]")
        assert section.count() == 1
        assert section.locator("svg").count() == 1
        flagged = section.locator("ul.violations li").all_inner_texts()
        assert sorted({line.split(": ")[0] for line in flagged}) == sorted(
            set(expected.get(name, []))
        ), name


# -- rebuilt from the files ---------------------------------------------------------------


def test_report_is_rebuilt_from_the_files_alone(demo: Path, tmp_path: Path) -> None:
    """``monitor-job report`` on the run's files gives the page the run wrote."""
    run = demo / "monitor-12h"
    code = main(
        [
            "report",
            "--statistics",
            str(run / "statistics.json"),
            "--baseline-statistics",
            str(demo / "baseline" / "statistics.json"),
            "--output",
            str(tmp_path),
        ]
    )
    assert code == EXIT_OK
    assert (tmp_path / "report.html").read_text() == (run / "report.html").read_text()


def test_every_data_quality_run_writes_its_report(demo: Path) -> None:
    for run in ("baseline", "monitor-11h", "monitor-12h"):
        html = (demo / run / "report.html").read_text()
        page = Page(html)
        stats = read(demo / run / "statistics.json")
        for f in stats["features"]:
            assert len(page.having("section", data_feature=f["name"])) == 1
        assert not page.having("script")
        summary = read(demo / run / "monitor-job-summary.json")
        assert summary["status"] in "".join(page.text)


def test_report_from_s3_files_to_s3(demo: Path, aws: str, tmp_path: Path) -> None:
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="reports")
    for run in ("baseline", "monitor-11h", "monitor-12h"):
        for f in (demo / run).glob("*.json"):
            s3.upload_file(str(f), "reports", f"schedule/{run}/{f.name}")
    code = main(
        [
            "report",
            "--statistics",
            "s3://reports/schedule/monitor-12h/statistics.json",
            "--baseline-statistics",
            "s3://reports/schedule/baseline/statistics.json",
            "--output",
            "s3://reports/pages/monitor-12h",
        ]
    )
    assert code == EXIT_OK
    html = s3.get_object(Bucket="reports", Key="pages/monitor-12h/report.html")["Body"].read()
    page = Page(html.decode())
    violations = read(demo / "monitor-12h" / "constraint_violations.json")["violations"]
    assert len(page.having("tr", **{"class": "violation"})) == len(violations)
    local = (demo / "monitor-12h" / "report.html").read_text()
    # The same page as the run's but for where the files are.
    moved = html.decode().replace("s3://reports/schedule/monitor-12h", str(demo / "monitor-12h"))
    assert moved == local

    # History over the schedule's prefix on S3: the two monitoring runs, not the baseline.
    code = main(["report", "--history", "s3://reports/schedule/", "--output", str(tmp_path)])
    assert code == EXIT_OK
    history = Page((tmp_path / "report.html").read_text())
    assert [
        a["data-run"] for a in history.having("tr", id="run-0") + history.having("tr", id="run-1")
    ] == ["2024-03-01 11:00", "2024-03-01 12:00"]
    assert not history.having("tr", id="run-2")


# -- SageMaker's own files ----------------------------------------------------------------


def test_report_from_sagemaker_data_quality_files() -> None:
    """The closed analyzer's statistics and constraints (no summary of ours): every
    feature has a section; distances are recomputed from the KLL sketches."""
    stats = FIXTURES / "intro-2022_statistics_DERIVED_first29features.json"
    constraints = FIXTURES / "intro-2022_constraints_FROM_LOG.json"
    docs = read_run(str(stats), str(stats), None, str(constraints))
    page = Page(render_run(docs))
    names = {f["name"] for f in read(constraints)["features"]}
    with_stats = {f["name"] for f in read(stats)["features"]}
    assert len(names) == 70 and len(with_stats) == 29
    for name in names:
        assert len(page.having("section", data_feature=name)) == 1
    # the same statistics as window and baseline: every recomputed distance is 0
    text = "".join(page.text)
    assert "No violations file was given." in text
    assert len(page.having("svg")) >= len(with_stats) + 1  # a chart each, and the overview

    sdk = read_run(
        str(FIXTURES / "sdk_statistics.json"),
        violations=str(FIXTURES / "sdk_constraint_violations.json"),
        constraints=str(FIXTURES / "sdk_constraints.json"),
    )
    page = Page(render_run(sdk))
    for v in read(FIXTURES / "sdk_constraint_violations.json")["violations"]:
        rows = page.having(
            "tr", data_feature=v["feature_name"], data_check=v["constraint_check_type"]
        )
        assert len(rows) == 1
        # a violated feature the statistics file does not describe still gets its section
        assert page.having("section", data_feature=v["feature_name"])


def test_bias_report_from_clarify_files(tmp_path: Path) -> None:
    analysis = FIXTURES / "clarify-bias-2024_baseline_analysis.json"
    violations = FIXTURES / "aws-docs_bias_drift_constraint_violations_example.json"
    code = main(
        [
            "report",
            "--statistics",
            str(analysis),
            "--baseline-statistics",
            str(analysis),
            "--violations",
            str(violations),
            "--output",
            str(tmp_path),
        ]
    )
    assert code == EXIT_OK
    page = Page((tmp_path / "report.html").read_text())
    document = read(analysis)
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet, entries in document.get(stage, {}).get("facets", {}).items():
            for entry in entries:
                sections = page.having(
                    "section",
                    data_facet=facet,
                    data_facet_value=str(entry["value_or_threshold"]),
                    data_stage=stage.split("_")[0] + "-training",
                )
                assert len(sections) == 1
    for v in read(violations)["violations"]:
        assert page.having(
            "tr",
            data_facet=v["facet"],
            data_facet_value=v["facet_value"],
            data_metric=v["metric_name"],
        )


def test_explainability_report_from_clarify_files_in_chromium(tmp_path: Path, browser: Any) -> None:
    """Clarify's explainability analysis.json (the SDK's fixture: two labels) against
    itself as the baseline, with the documentation's violations: a section per label with
    its chart, each violation row linking to its label."""
    analysis = FIXTURES / "sdk_model_card_clarify_explanability.json"
    violations = FIXTURES / "aws-docs_feature_attribution_drift_constraint_violations_example.json"
    args = ["report", "--statistics", str(analysis), "--baseline-statistics", str(analysis)]
    assert main([*args, "--violations", str(violations), "--output", str(tmp_path)]) == EXIT_OK
    opened = Opened(browser, tmp_path / "report.html")
    opened.assert_clean()
    opened.assert_fits()
    page = opened.page
    labels = read(analysis)["explanations"]["kernel_shap"]
    for label, entry in labels.items():
        section = page.locator(f"section[data-label={css(label)}]")
        assert section.count() == 1
        box = section.locator("svg").first.bounding_box()
        assert box is not None and box["width"] > 150, (label, box)
        for feature in entry["global_shap_values"]:
            assert section.locator(f"tr.shap[data-feature={css(feature)}]").count() == 1
    for v in read(violations)["violations"]:
        row = page.locator(f"tr.violation[data-label={css(v['label'])}]")
        assert row.count() == 1 and v["description"] in row.inner_text()
        assert row.locator("a").get_attribute("href") == f"#x-{v['label']}"


def test_names_and_values_are_escaped(tmp_path: Path) -> None:
    """Feature names and category values come from user data: they are text, never markup."""
    evil = "<img src=x onerror=alert(1)>"
    value = "<script>alert(2)</script>"
    stats = {
        "version": 0.0,
        "dataset": {"item_count": 3},
        "features": [
            {
                "name": evil,
                "inferred_type": "String",
                "string_statistics": {
                    "common": {"num_present": 3, "num_missing": 0},
                    "distinct_count": 2.0,
                    "distribution": {
                        "categorical": {
                            "buckets": [{"value": value, "count": 2}, {"value": "b", "count": 1}]
                        }
                    },
                },
            }
        ],
    }
    violations = {
        "violations": [
            {"feature_name": evil, "constraint_check_type": "data_type_check", "description": value}
        ]
    }
    (tmp_path / "statistics.json").write_text(json.dumps(stats))
    (tmp_path / "constraint_violations.json").write_text(json.dumps(violations))
    html = render_run(read_run(str(tmp_path / "statistics.json")))
    page = Page(html)
    assert not page.having("script") and not page.having("img")
    assert evil in "".join(page.text) and value in "".join(page.text)
    assert page.having("section", data_feature=evil)


def test_model_quality_and_bias_demo_reports(tmp_path: Path, spark: Any) -> None:
    """Model quality: each metric and violation on the page, with the curves; bias: each
    facet's metrics and each drift violation."""
    run_demo_steps(tmp_path, "demo-mq-baseline.yaml", "demo-mq-monitor.yaml")
    run = tmp_path / "demo-output" / "mq-monitor-12h"
    page = Page((run / "report.html").read_text())
    stats = read(run / "statistics.json")["binary_classification_metrics"]
    scalars = [k for k, v in stats.items() if isinstance(v, dict) and "value" in v]

    def metric_rows(name: str) -> list[dict[str, str | None]]:
        return [a for a in page.having("tr", data_metric=name) if "metric" in str(a["class"])]

    for name in scalars:
        assert len(metric_rows(name)) == 1, name
    violations = read(run / "constraint_violations.json")["violations"]
    assert len(page.having("tr", **{"class": "violation"})) == len(violations) > 0
    # the thresholds the run checked are on the page (constraints.json is not an output)
    [auc] = metric_rows("auc")
    assert "violated" in str(auc["class"])
    assert len(page.having("svg")) == 2  # ROC and precision-recall

    bias_out = tmp_path / "bias"
    common = ["--analysis-config", str(REPO / "configs" / "demo-bias-analysis_config.json")]
    data = tmp_path / "demo-data" / "bias"
    assert (
        main(
            [
                "bias",
                "--dataset",
                str(data / "baseline"),
                *common,
                "--output",
                str(bias_out / "baseline"),
            ]
        )
        == EXIT_OK
    )
    assert (
        main(
            [
                "bias",
                "--dataset",
                str(data / "window-12h"),
                *common,
                "--baseline-analysis",
                str(bias_out / "baseline" / "analysis.json"),
                "--output",
                str(bias_out / "12h"),
            ]
        )
        == EXIT_OK
    )
    page = Page((bias_out / "12h" / "report.html").read_text())
    found = read(bias_out / "12h" / "constraint_violations.json")["violations"]
    assert {"DPPL", "DI"} <= {v["metric_name"] for v in found}
    for v in found:
        assert page.having(
            "tr",
            data_facet=v["facet"],
            data_facet_value=v["facet_value"],
            data_metric=v["metric_name"],
            **{"class": "violation"},
        )


def wide_frame(rows: int, rng: Any, shift: float) -> Any:
    """100 columns: half numeric, half categorical with 30 values; every 4th moved."""
    import numpy as np
    import pandas as pd

    data = {}
    values = [f"value-{i:02d}" for i in range(30)]
    for i in range(100):
        moved = shift if i % 4 == 0 else 0.0
        if i % 2 == 0:
            data[f"f{i:03d}"] = rng.normal(10 + 5 * moved, 3, rows).round(3)
        else:
            p = np.linspace(1, 3, len(values)) ** (1 + moved)
            data[f"f{i:03d}"] = rng.choice(values, rows, p=p / p.sum())
    return pd.DataFrame(data)


def test_a_100_feature_report_stays_under_2_mb(tmp_path: Path, spark: Any) -> None:
    """The size bar (the time bar is `make bench`'s: scripts/bench_report.py)."""
    import numpy as np

    rng = np.random.default_rng(3)
    wide_frame(4000, rng, 0.0).to_csv(tmp_path / "baseline.csv", index=False)
    wide_frame(1000, rng, 1.0).to_csv(tmp_path / "window.csv", index=False)
    base = tmp_path / "base"
    assert (
        main(["baseline", "--dataset", str(tmp_path / "baseline.csv"), "--output", str(base)])
        == EXIT_OK
    )
    out = tmp_path / "window-out"
    code = main(
        [
            "monitor",
            "--dataset",
            str(tmp_path / "window.csv"),
            "--format",
            "csv",
            "--header",
            "--baseline-statistics",
            str(base / "statistics.json"),
            "--baseline-constraints",
            str(base / "constraints.json"),
            "--output",
            str(out),
        ]
    )
    assert code == EXIT_OK
    html = (out / "report.html").read_text()
    page = Page(html)
    assert len(page.having("section", **{"class": "card feature"})) == 100
    violations = read(out / "constraint_violations.json")["violations"]
    assert len(violations) >= 20  # every 4th column drifted
    assert len(page.having("tr", **{"class": "violation"})) == len(violations)
    size = len(html.encode())
    print(f"100-feature report: {size / 1e6:.2f} MB")
    assert size < 2_000_000


def test_a_report_that_cannot_be_built_does_not_fail_the_run(
    tmp_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON files and metrics the alarms read are complete before the page is built:
    a failure to build the page is a warning and a note in the summary, exit 0."""
    import monitor_job.outputs.finish as finish

    def broken(docs: Any) -> str:
        raise RuntimeError("the chart engine is gone")

    monkeypatch.setattr(finish, "render_run", broken)
    (tmp_path / "data.csv").write_text("a,b\n1,x\n2,y\n3,x\n")
    out = tmp_path / "out"
    assert (
        main(["baseline", "--dataset", str(tmp_path / "data.csv"), "--output", str(out)]) == EXIT_OK
    )
    assert not (out / "report.html").exists()
    assert (out / "statistics.json").exists() and (out / "constraints.json").exists()
    notes = read(out / "monitor-job-summary.json")["notes"]
    assert "report.html not written: the chart engine is gone" in notes


def test_report_inputs_that_are_missing_or_wrong_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor_job.errors import EXIT_INPUT

    missing = tmp_path / "nope" / "statistics.json"
    code = main(["report", "--statistics", str(missing), "--output", str(tmp_path / "o")])
    assert code == EXIT_INPUT
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"InputDataError: statistics not found: {missing}"
    )
    other = tmp_path / "other.json"
    other.write_text('{"something": "else"}')
    code = main(["report", "--statistics", str(other), "--output", str(tmp_path / "o")])
    assert code == EXIT_INPUT
    assert "not a data-quality or model-quality statistics.json" in capsys.readouterr().err
    code = main(["report", "--history", str(tmp_path / "none-"), "--output", str(tmp_path)])
    assert code == EXIT_INPUT
    assert "no data-quality monitoring run found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "report.html").exists()


def test_a_stop_while_the_page_is_built_is_a_stop(
    tmp_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop request (SIGTERM) that lands while the page is built ends the run as
    stopped, exit 10, not as a page that failed and a run that completed."""
    import monitor_job.outputs.finish as finish
    from monitor_job.errors import EXIT_STOPPED, StoppedError

    def stopped(docs: Any) -> str:
        raise StoppedError("received signal 15; stopped before completion")

    monkeypatch.setattr(finish, "render_run", stopped)
    (tmp_path / "data.csv").write_text("a,b\n1,x\n2,y\n3,x\n")
    out = tmp_path / "out"
    code = main(["baseline", "--dataset", str(tmp_path / "data.csv"), "--output", str(out)])
    assert code == EXIT_STOPPED
    assert not (out / "monitor-job-summary.json").exists()
