"""Crawl throughput on loopback sites: sites per minute with 1 and 2 workers (same run), and
the share of a site's time spent starting Chromium.

    python benchmarks/bench_crawl.py [--sites 12] [--pages 2]

Serves `--sites` copies of the example shop (each on its own loopback port, so each is its own
site), crawls them in block mode with `--workers 1` and `--workers 2` into temporary
directories, and reads the per-site durations from results.jsonl.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent / "examples" / "site"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(count: int) -> list[str]:
    urls = []
    for _ in range(count):
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE))
        )
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls.append(f"http://127.0.0.1:{server.server_address[1]}/index.html")
    return urls


def crawl(urls: list[str], workers: int, pages: int) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pixelhelper.cli",
                "crawl",
                *urls,
                "--out",
                out,
                "--workers",
                str(workers),
                "--mode",
                "block",
                "--wait",
                "0.5",
                "--pages",
                str(pages),
                "--timeout",
                "60",
            ],
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - start
        rows = [json.loads(line) for line in (Path(out) / "results.jsonl").read_text().splitlines()]
    return elapsed, rows


def chromium_start(rounds: int = 3) -> float:
    """Seconds to launch and close headless Chromium through Playwright (median)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        for _ in range(rounds):
            start = time.perf_counter()
            args = ["--no-sandbox"] if os.geteuid() == 0 else []
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=args
            )
            browser.new_context().new_page()
            browser.close()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--pages", type=int, default=2)
    args = parser.parse_args()
    urls = serve(args.sites)
    print(f"{args.sites} loopback sites, {args.pages} pages each, {os.cpu_count()} CPUs")
    rates = {}
    for workers in (1, 2):
        elapsed, rows = crawl(urls, workers, args.pages)
        ok = sum(1 for r in rows if r["status"] == "ok")
        rates[workers] = len(rows) / elapsed * 60
        median = statistics.median(r["duration_s"] for r in rows)
        print(
            f"  {workers} worker(s): {len(rows)} sites ({ok} ok) in {elapsed:.1f} s = "
            f"{rates[workers]:.1f} sites/min; median {median:.2f} s per site"
        )
        per_site = median
    print(f"  => 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    start = chromium_start()
    print(f"starting Chromium: {start:.2f} s = {start / per_site:.0%} of a site's median time")


if __name__ == "__main__":
    main()
