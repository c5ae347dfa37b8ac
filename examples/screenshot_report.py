"""Screenshot an HTML report with headless Chromium (the OS package) for docs/.

    python examples/screenshot_report.py artifacts/demo-report.html docs/summarize-report.png
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(html: str, png: str, height: int = 1700) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1150, "height": height})
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        page.screenshot(path=png)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
