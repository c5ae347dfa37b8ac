"""The summarize HTML report in a real browser: headless Chromium (the OS package, driven by
Playwright's Python package; never `playwright install`). .ci/run installs chromium."""

from __future__ import annotations

import shutil

import pytest

from .conftest import ROOT

DEMO = ROOT / "examples" / "demo-archive.csv"


@pytest.fixture(scope="module")
def report(tmp_path_factory, model_path):
    from click.testing import CliRunner

    from vnstance.cli import main

    tmp = tmp_path_factory.mktemp("report")
    preds, html = tmp / "demo.parquet", tmp / "report.html"
    runner = CliRunner()
    r = runner.invoke(main, ["predict", "--model", str(model_path), "--article", "--id-column", "id",
                             "--format", "parquet", "-o", str(preds), str(DEMO)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["summarize", str(preds), "--by", "outlet", "--by", "month", "--html", str(html)])
    assert r.exit_code == 0, r.output
    return html


def test_report_loads_in_chromium_and_every_chart_renders(report):
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "no chromium on PATH: apt-get install -y chromium (.ci/run does this)"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            widths = page.eval_on_selector_all("figure img", "els => els.map(e => e.complete && e.naturalWidth)")
            heading = page.text_content("h1")
            caveat = page.text_content(".caveat")
            rows = page.eval_on_selector_all("tbody tr", "els => els.length")
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []  # nothing from the network
    assert len(widths) == 2 and all(w and w > 100 for w in widths), widths
    assert heading == "vnstance summary" and "model estimates, not ground truth" in caveat
    assert rows == 3 * 6 * 2  # outlets x months x targets
