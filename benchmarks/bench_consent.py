"""What `--consent` costs a crawl: the same crawl with and without all four modes (same run).

    python benchmarks/bench_consent.py [--sites 12] [--pages 2] [--rounds 1]

Serves `--sites` copies of the consent test site (tests/sites/consent: banners of two
consent platforms, a careful pixel, a careless one, one loaded after consent, a page with no
banner; each copy on its own loopback port, so each is its own site, each starting on another
of its pages), and crawls them in block mode with 2 workers, first without `--consent`, then
with `--consent none,reject,accept,gpc`, alternating for `--rounds`. Prints both times and
their ratio (the goal: at most 2.5x), and checks that every site of the consent crawl has a
row for each mode.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "sites" / "consent"
PIXEL = ROOT / "examples" / "site" / "pixel.js"
PAGES = ("correct.html", "leaky.html", "late.html", "plain.html")
MODES = "none,reject,accept,gpc"


class Site(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        if path.split("?", 1)[0] == "/pixel.js":
            return str(PIXEL)
        return super().translate_path(path)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(count: int) -> list[str]:
    urls = []
    for number in range(count):
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Site, directory=str(SITE)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls.append(f"http://127.0.0.1:{server.server_address[1]}/{PAGES[number % len(PAGES)]}")
    return urls


def crawl(urls: list[str], pages: int, consent: str | None) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable, "-m", "pixelhelper.cli", "crawl", *urls, "--out", out,
            "--workers", "2", "--mode", "block", "--wait", "0.5", "--pages", str(pages),
            "--timeout", "90",
        ]  # fmt: skip
        if consent:
            command += ["--consent", consent]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        rows = [json.loads(line) for line in (Path(out) / "results.jsonl").read_text().splitlines()]
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    urls = serve(args.sites)
    print(f"{args.sites} loopback sites, {args.pages} pages each, 2 workers, {os.cpu_count()} CPUs")
    plain, consent = [], []
    for _ in range(args.rounds):
        elapsed, rows = crawl(urls, args.pages, None)
        plain.append(elapsed)
        print(f"  without --consent: {elapsed:.1f} s ({sum(r['status'] == 'ok' for r in rows)} ok)")
        elapsed, rows = crawl(urls, args.pages, MODES)
        consent.append(elapsed)
        complete = sum(1 for r in rows if set(r.get("consent") or {}) == set(MODES.split(",")))
        print(f"  --consent {MODES}: {elapsed:.1f} s ({complete} of {len(rows)} sites "
              "with all four modes)")  # fmt: skip
    ratio = min(consent) / min(plain)
    rounds = ", ".join(f"{c / p:.2f}x" for c, p in zip(consent, plain, strict=True))
    print(f"  => four modes / no --consent: {ratio:.2f}x, fastest against fastest (by round: "
          f"{rounds}; goal: at most 2.5x)")  # fmt: skip


if __name__ == "__main__":
    main()
