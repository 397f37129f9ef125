"""The pytest plugin (entry point `pytest11`): fixtures, and nothing else until one is used.

- `pixelhelper_proxy` (session): a pixelhelper proxy on 127.0.0.1, in block mode by default
  so a test run never sends data to TikTok (`pixelhelper_mode` in the ini file, or
  `--pixelhelper-mode`); hand `pixelhelper_proxy.context_args` to Playwright.
- `pixel_report` (test): the audit of the pixel traffic seen during the test.

`--pixelhelper-save FILE` keeps the session's capture (for `pixelhelper audit` or a CI
artifact).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pixelhelper.testing.capture import PixelProxy
    from pixelhelper.testing.report import PixelReport

MODES = ("block", "observe", "redact")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pixelhelper", "pixelhelper (TikTok pixel checks)")
    group.addoption("--pixelhelper-mode", choices=MODES, default=None,
                    help="the pixelhelper_proxy fixture's mode (default block)")  # fmt: skip
    group.addoption("--pixelhelper-save", metavar="FILE", default=None,
                    help="keep the session's pixel traffic in FILE (a mitmproxy flow)")  # fmt: skip
    parser.addini("pixelhelper_mode", "the pixelhelper_proxy fixture's mode (default block)",
                  default="block")  # fmt: skip


@pytest.fixture(scope="session")
def pixelhelper_proxy(request: pytest.FixtureRequest) -> Iterator[PixelProxy]:
    """A pixelhelper proxy for the test session (block mode: nothing reaches TikTok)."""
    from pixelhelper.testing.capture import start, stop

    mode = request.config.getoption("--pixelhelper-mode") or request.config.getini(
        "pixelhelper_mode"
    )
    if mode not in MODES:
        raise pytest.UsageError(f"pixelhelper_mode must be one of {', '.join(MODES)}: {mode!r}")
    proxy = start(str(mode))
    try:
        yield proxy
    finally:
        stop(proxy, keep=request.config.getoption("--pixelhelper-save"))


@pytest.fixture
def pixel_report(pixelhelper_proxy: PixelProxy) -> PixelReport:
    """The audit of the pixel traffic seen during this test (`.findings(category=...)`)."""
    from pixelhelper.testing.report import PixelReport

    return PixelReport(pixelhelper_proxy)
