"""`pixelhelper crawl` on Dask, over sites this test serves on loopback, and parallel audits."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pixelhelper.crawl.sites import parse_lines, read_sites, site_id, site_url
from pixelhelper.crawl.store import Results
from pixelhelper.crawl.summary import error_kind
from pixelhelper.crawl.visit import same_site
from pixelhelper.errors import ConfigError

from conftest import CAPTURES, EXAMPLES
from e2e_support import needs_chromium

ROW_KEYS = {"site", "status", "error", "pages", "pixels", "vendors", "events", "categories", "rules",
            "capture", "report", "leaks", "consent", "journey", "duration_s", "worker"}  # fmt: skip
SITE = EXAMPLES / "site"


# Sites and rows, without a browser.


def test_sites_from_arguments_and_files(tmp_path):
    listing = tmp_path / "sites.txt"
    listing.write_text("# hospitals\nexample.com\n\nhttps://b.example.org/start#top\n"
                       "c.example.net  # trailing comment\nexample.com\n")  # fmt: skip
    assert read_sites(["d.example"], str(listing)) == [
        "https://d.example/", "https://example.com/", "https://b.example.org/start#top",
        "https://c.example.net/",
    ]  # fmt: skip
    assert parse_lines(["rank,domain", "1,google.com", "2,example.org"]) == [
        "https://google.com/", "https://example.org/"]  # fmt: skip
    for bad in ("ftp://x.example/", "not a site", "a/b/c"):
        with pytest.raises(ConfigError):
            site_url(bad)
    assert site_id("http://127.0.0.1:8080/") != site_id("http://127.0.0.1:8081/")
    assert "/" not in site_id("https://x.example/../../etc")


def test_same_site_follows_registrable_domains_and_exact_ip_hosts():
    assert same_site("https://shop.example.co.uk/", "https://www.example.co.uk/a")
    assert not same_site("https://shop.example.co.uk/", "https://other.co.uk/")
    assert not same_site("https://a.example.com/", "https://a.example.com.evil.net/")
    assert same_site("http://127.0.0.1:8000/", "http://127.0.0.1:8000/x")
    assert not same_site("http://127.0.0.1:8000/", "http://127.0.0.1:8001/x")
    assert not same_site("http://localhost:1/", "http://localhost:2/")
    assert not same_site("https://example.com/", "mailto:a@example.com")


def test_results_resume_replace_and_survive_a_torn_line(tmp_path):
    store = Results(tmp_path)
    store.add({"site": "a", "status": "ok"})
    store.add({"site": "b", "status": "error"})
    with (tmp_path / "results.jsonl").open("a") as handle:
        handle.write('{"site": "c", "sta')  # a crash mid-write
    again = Results(tmp_path)
    assert list(again.rows) == ["a", "b"] and again.dropped == 1
    assert again.pending(["a", "b", "c"], retry_errors=False) == ["c"]
    assert again.pending(["a", "b", "c"], retry_errors=True) == ["b", "c"]
    again.add({"site": "b", "status": "ok"})
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["site"] for line in lines] == ["a", "b"]
    assert json.loads(lines[1])["status"] == "ok"


def test_error_kinds():
    assert error_kind("HTTP 500 from the start page") == "HTTP 500"
    assert error_kind("http://x/: Page.goto: net::ERR_CONNECTION_REFUSED at http://x/") == (
        "ERR_CONNECTION_REFUSED"
    )
    assert error_kind("timeout: the site took longer than 8 s") == "timeout"


# Loopback sites.


class Site:
    """A site on its own loopback port, counting the requests it answers."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.hits = 0


def _serve(handler_factory) -> Site:  # type: ignore[no-untyped-def]
    holder: dict[str, Site] = {}

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        holder["site"].hits += 1
        return handler_factory(*args, **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), counting)
    server.daemon_threads = True
    site = holder["site"] = Site(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Hangs(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        time.sleep(60)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Fails(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"<h1>Internal Server Error</h1>"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


CLEAN = """<!doctype html><html><head><title>Garden tools</title>
<script src="pixel.js" data-pixel="CQ8PJ3RC77U4LT2MKR2G"></script></head>
<body><h1>Spades and rakes</h1><a href="/about.html">about</a><script>ttq.page();</script></body></html>"""
PLAIN = "<!doctype html><html><head><title>No pixel</title></head><body>hello</body></html>"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Iterator[dict[str, Site]]:
    clean = tmp_path_factory.mktemp("clean")
    (clean / "index.html").write_text(CLEAN)
    (clean / "about.html").write_text(CLEAN.replace("Spades", "About us"))
    shutil.copy(SITE / "pixel.js", clean / "pixel.js")
    plain = tmp_path_factory.mktemp("plain")
    (plain / "index.html").write_text(PLAIN)
    served = {
        "leak": _serve(functools.partial(Quiet, directory=str(SITE))),
        "clean": _serve(functools.partial(Quiet, directory=str(clean))),
        "plain": _serve(functools.partial(Quiet, directory=str(plain))),
        "hangs": _serve(Hangs),
        "fails": _serve(Fails),
    }
    served["leak"].url += "index.html"
    yield served
    for site in served.values():
        site.server.shutdown()


def crawl_cli(
    out: Path, urls: list[str], *extra: str, timeout: float = 240
) -> tuple[int, str, str]:
    command = [sys.executable, "-m", "pixelhelper.cli", "crawl", *urls, "--out", str(out),
               "--mode", "block", "--wait", "0.3", "--timeout", "15", "--pages", "3", *extra]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def rows_of(out: Path) -> dict[str, dict]:
    lines = (out / "results.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == len({r["site"] for r in rows}), "one row per site"
    return {r["site"]: r for r in rows}


def shape(rows: dict[str, dict]) -> dict[str, tuple]:
    """What must not depend on the engine: status, pixels, events, categories, rules."""
    return {site: (r["status"], tuple(r["pixels"]), r["events"], tuple(sorted(r["categories"])),
                   tuple(sorted(r["rules"])), r["error"] is None) for site, r in rows.items()}  # fmt: skip


def check_rows(rows: dict[str, dict], sites: dict[str, Site], out: Path) -> None:
    assert set(rows) == {s.url for s in sites.values()}
    for row in rows.values():
        assert set(row) == ROW_KEYS
    leak, clean = rows[sites["leak"].url], rows[sites["clean"].url]
    assert leak["status"] == "ok" and leak["pixels"] == ["CQ8PJ3RC77U4LT2MKR2G"]
    assert leak["events"] > 0 and leak["categories"].get("health", 0) > 0 and leak["pages"] >= 2
    assert clean["status"] == "ok" and clean["pixels"] == ["CQ8PJ3RC77U4LT2MKR2G"]
    assert not clean["categories"] and clean["pages"] == 2, "followed the same-site link"
    plain = rows[sites["plain"].url]
    assert plain["status"] == "ok" and plain["pixels"] == [] and plain["events"] == 0
    hangs, fails = rows[sites["hangs"].url], rows[sites["fails"].url]
    assert hangs["status"] == "error" and error_kind(hangs["error"]) == "timeout"
    assert fails["status"] == "error" and fails["error"].startswith("HTTP 500")
    for row in (leak, clean):
        report = json.loads((out / row["report"]).read_text())
        assert (out / row["capture"]).stat().st_size > 0 and report["events"]
    text = (out / "results.jsonl").read_text()
    assert "jane" not in text.lower()


@pytest.fixture(scope="module")
def local_crawl(sites, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    code, stdout, stderr = crawl_cli(out, [s.url for s in sites.values()], "--workers", "2",
                                     "--format", "json")  # fmt: skip
    assert code == 0, stderr[-3000:]
    summary = json.loads(stdout)
    assert summary["sites"] == 5 and summary["with_pixel"] == 2
    assert summary["sites_by_category"].get("health") == 1
    assert summary["errors"] == {"timeout": 1, "HTTP 500": 1}
    assert "local Dask cluster: 2 worker(s); dashboard: http://127.0.0.1:" in stderr
    return out


@needs_chromium
def test_a_local_cluster_gives_one_right_row_per_site(local_crawl, sites):
    rows = rows_of(local_crawl)
    check_rows(rows, sites, local_crawl)
    assert len({r["worker"] for r in rows.values()}) == 2, "both workers took sites"
    code, out, _ = run_cli("audit", str(local_crawl / rows[sites["leak"].url]["capture"]))
    assert code == 0 and "sensitive-health" in out


def run_cli(*argv: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "pixelhelper.cli", *argv], capture_output=True,
                          text=True, timeout=240)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@needs_chromium
def test_a_second_run_is_a_no_op_and_retry_errors_revisits_only_errors(local_crawl, sites):
    before = (local_crawl / "results.jsonl").read_text()
    hits = {name: site.hits for name, site in sites.items()}
    code, _out, err = crawl_cli(local_crawl, [s.url for s in sites.values()], "--workers", "1")
    assert code == 0, err
    assert (local_crawl / "results.jsonl").read_text() == before
    assert {name: site.hits for name, site in sites.items()} == hits, "no site was visited"
    code, _out, err = crawl_cli(local_crawl, [s.url for s in sites.values()], "--workers", "2",
                                "--retry-errors")  # fmt: skip
    assert code == 0, err
    visited = {name for name, site in sites.items() if site.hits != hits[name]}
    assert visited == {"hangs", "fails"}
    rows, old = (
        rows_of(local_crawl),
        {json.loads(x)["site"]: json.loads(x) for x in before.splitlines()},
    )
    for name in ("leak", "clean", "plain"):
        assert rows[sites[name].url] == old[sites[name].url]
    check_rows(rows, sites, local_crawl)


@contextlib.contextmanager
def dask_cluster(tmp_path: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen]]:
    """A `dask scheduler` and a `dask worker` started as separate processes, on loopback."""
    file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
             str(workers), "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_workers(address, workers)
        yield address, worker
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=60)


@needs_chromium
def test_an_existing_cluster_gives_the_same_rows(local_crawl, sites, tmp_path):
    with dask_cluster(tmp_path, 2) as (address, _worker):
        out = tmp_path / "remote"
        code, _stdout, err = crawl_cli(out, [s.url for s in sites.values()], "--scheduler", address)
        assert code == 0, err[-3000:]
        assert f"using the Dask cluster at {address}" in err
    remote, local = shape(rows_of(out)), shape(rows_of(local_crawl))
    differ = {site: (remote.get(site), local.get(site)) for site in set(remote) | set(local)
              if remote.get(site) != local.get(site)}  # fmt: skip
    assert not differ, f"{differ}\n{err[-2000:]}\n{(out / 'results.jsonl').read_text()}"
    check_rows(rows_of(out), sites, out)


@needs_chromium
def test_killing_a_worker_mid_crawl_still_gives_one_row_per_site(sites, tmp_path):
    import psutil

    urls = [sites["leak"].url, sites["clean"].url, sites["plain"].url, sites["fails"].url]
    with dask_cluster(tmp_path, 2) as (address, worker):
        out = tmp_path / "killed"
        command = [sys.executable, "-m", "pixelhelper.cli", "crawl", *urls, "--out", str(out),
                   "--mode", "block", "--wait", "1.5", "--timeout", "30", "--pages", "3",
                   "--scheduler", address]  # fmt: skip
        crawl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline:  # a worker busy with a site
            for child in psutil.Process(worker.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "pixelhelper.crawl.visit" in " ".join(child.cmdline()):
                        busy = child.parent()  # the worker process running the task
                        os.kill(busy.pid, signal.SIGKILL)
                        killed = busy.pid
                        break
            time.sleep(0.2)
        stdout, stderr = crawl.communicate(timeout=240)
    assert killed is not None, "a worker was killed while it browsed"
    assert crawl.returncode == 0, stderr[-3000:]
    rows = rows_of(out)
    assert set(rows) == set(urls)
    assert rows[sites["leak"].url]["status"] in ("ok", "error")


def test_an_unreachable_scheduler_exits_2(tmp_path):
    code, _out, err = run_cli("crawl", "example.com", "--out", str(tmp_path / "x"),
                              "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert code == 2 and "cannot reach the Dask scheduler" in err
    code, _out, err = run_cli("crawl", "--out", str(tmp_path / "y"))
    assert code == 2 and "no sites" in err


def test_parallel_audit_equals_the_serial_one(tmp_path):
    paths = [str(EXAMPLES / "shop-session.flow"), str(EXAMPLES / "shop-session.har"),
             *sorted(str(p) for p in CAPTURES.glob("*.har"))]  # fmt: skip
    serial = run_cli("audit", "--format", "json", *paths)
    parallel = run_cli("audit", "--format", "json", "--workers", "2", *paths)
    assert serial[0] == parallel[0] in (0, 1), parallel[2][-2000:]
    assert json.loads(serial[1]) == json.loads(parallel[1])
    events = json.loads(parallel[1])["events"]
    assert Counter(e["source"] for e in events).keys() == {
        p for p in paths if p in {e["source"] for e in events}
    }
