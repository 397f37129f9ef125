"""Render the example capture as an HTML report and photograph it with headless Chromium,
for the README: `python examples/make_screenshot.py` writes examples/screenshots/report.png.

Uses Debian's Chromium through Playwright (`executable_path`); nothing is downloaded.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    from playwright.sync_api import sync_playwright

    out = HERE / "screenshots" / "report.png"
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.html"
        subprocess.run(  # from the repository's root: the report names examples/shop-session.flow
            [sys.executable, "-m", "pixelhelper.cli", "audit", "examples/shop-session.flow",
             "--format", "html", "--output", str(report)],
            check=False, cwd=HERE.parent,
        )  # fmt: skip
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1100}, device_scale_factor=1)
            page.goto(report.as_uri())
            page.screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
