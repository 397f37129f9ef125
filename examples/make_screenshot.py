"""Render the example capture as an HTML report and photograph it with headless Chromium,
for the README and the docs: `python examples/make_screenshot.py` writes docs/images/report.png
and docs/images/inspector.png (the inspector over the same capture).

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

    out = HERE.parent / "docs" / "images" / "report.png"
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
    inspector = HERE.parent / "docs" / "images" / "inspector.png"
    _inspector_png(inspector)
    print(f"wrote {inspector}")
    return 0


def _inspector_png(out: Path, size: tuple[int, int] = (160, 40)) -> None:
    """The inspector over the example capture, an event with findings selected: Textual's own
    SVG screenshot, rendered to PNG by headless Chromium."""
    import asyncio

    from playwright.sync_api import sync_playwright

    from pixelhelper.audit import audit_paths
    from pixelhelper.live.app import PixelHelperApp, StaticSource
    from pixelhelper.live.stream import records_from_result

    async def shoot() -> str:
        result = audit_paths([HERE / "shop-session.flow"])
        app = PixelHelperApp(StaticSource(records_from_result(result, False)))
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.3)
            await pilot.press("k", "k")
            await pilot.pause(0.2)
            return app.export_screenshot(title="pixelhelper view examples/shop-session.flow")

    svg = asyncio.run(shoot())
    with tempfile.TemporaryDirectory() as work:
        page_file = Path(work) / "inspector.svg"
        page_file.write_text(svg, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--headless=new"]
            )
            page = browser.new_page(viewport={"width": 1700, "height": 960})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(out), animations="disabled", timeout=60_000)
            browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
