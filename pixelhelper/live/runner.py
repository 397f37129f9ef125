"""Run the interactive app: over a live proxy child, or over saved captures.

Live: the proxy (mitmdump + addon) runs in a child process, bound to our lifetime, its output
in a private log so it never draws over the screen, streaming redacted records to a Unix socket
in a private temporary directory. Quitting the app (q, Ctrl-C, SIGTERM, SIGHUP) stops the
child, which writes the session report; it is printed once the screen is restored.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pixelhelper.live.app import PixelHelperApp, SocketSource, StaticSource
from pixelhelper.live.browser import Browser, has_display, launch_browser
from pixelhelper.live.proxy import ProxyConfig, check_port, spawn, stop, wait_for_port


def run_live_app(config: ProxyConfig, browser: bool = False, url: str | None = None) -> int:
    """`pixelhelper live` on a terminal; returns the proxy's exit code."""
    check_port(config.host, config.port)
    workdir = Path(tempfile.mkdtemp(prefix="pixelhelper-live-"))  # 0700
    socket_path = workdir / "stream.sock"
    summary = workdir / "summary.txt"
    log = workdir / "mitmdump.log"
    config.view = "stream"
    config.extra = [*config.extra, "--set", f"pixelhelper_stream={socket_path}",
                    "--set", f"pixelhelper_summary_file={summary}"]  # fmt: skip
    source = SocketSource(str(socket_path))
    app = PixelHelperApp(source)
    app.model.notes.append(
        f"proxy on http://{config.host}:{config.port}: point a browser at it and trust "
        "mitmproxy's CA (http://mitm.it), or run with --browser; ? for keys"
    )
    chromium: Browser | None = None
    with log.open("wb") as sink:
        process = spawn(config.command(), sink)
    source.process = process
    try:
        wait_for_port(config.host, config.port, process)
        if browser:
            chromium = _browser(config, app, url)
        app.run()
    finally:
        if chromium is not None:
            chromium.close()
        code = stop(process)
        if summary.exists():
            sys.stdout.write(summary.read_text(encoding="utf-8", errors="replace"))
            sys.stdout.flush()
        elif code not in (0, None):
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            print(f"pixelhelper: the proxy stopped (exit {code}):\n{tail}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
    return code or 0


def _browser(config: ProxyConfig, app: PixelHelperApp, url: str | None) -> Browser:
    headless = not has_display()
    chromium = launch_browser(config.host, config.port, url, headless=headless)
    if headless:
        app.model.notes.append("no display ($DISPLAY is not set): Chromium runs headless")
    app.browser = chromium
    return chromium


def run_view_app(
    records: list[dict[str, Any]],
    report: dict[str, Any] | None,
    raw: Callable[[int], dict[str, Any] | None] | None = None,
) -> int:
    """`pixelhelper view`: the same app over records made from saved captures (`raw` reads an
    event's request back from its file for the `r` key)."""

    def write(_flow: str, report_path: str) -> str:
        if report is None:
            return "this view was opened from a JSON report: it is already on disk"
        from pixelhelper.files import write_text

        try:
            write_text(report_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            return f"could not write {report_path}: {exc}"
        return f"wrote {report_path} (the captures themselves are already on disk)"

    app = PixelHelperApp(StaticSource(records, write, raw))
    app.run()
    return 0
