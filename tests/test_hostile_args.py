"""Bad arguments and sites are usage errors named before any work starts; a site's credentials
are never printed, stored or put on a command line; a crawl leaves no temporary capture."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from pixelhelper.cli import main
from pixelhelper.crawl import task
from pixelhelper.crawl.sites import shown_site, site_url
from pixelhelper.crawl.summary import error_kind
from pixelhelper.errors import ConfigError

from e2e_support import chromium_missing

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "site",
    ["http://[::1/", "example.com:99999", "javascript:alert(1)", "file:///etc/passwd",
     "https://", "http://exa mple.com/", "a..b", "ftp://example.com/", "example.com:abc",
     "http://user@/"],
)  # fmt: skip
def test_bad_sites_are_refused_by_name(site):
    with pytest.raises(ConfigError):
        site_url(site)


@pytest.mark.parametrize(
    ("site", "url"),
    [("example.com", "https://example.com/"), ("localhost:8080", "https://localhost:8080/"),
     ("http://127.0.0.1:5000/x", "http://127.0.0.1:5000/x"), ("http://[::1]:80/", "http://[::1]:80/"),
     ("xn--bcher-kva.de", "https://xn--bcher-kva.de/")],
)  # fmt: skip
def test_good_sites_are_accepted(site, url):
    assert site_url(site) == url


@pytest.mark.parametrize("site", ["http://[::1/", "example.com:99999", "javascript:alert(1)"])
def test_crawl_refuses_a_bad_site_before_the_cluster_starts(tmp_path, capsys, site, monkeypatch):
    import pixelhelper.crawl.cluster as cluster

    def no_cluster(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a cluster was started for a bad site")

    monkeypatch.setattr(cluster, "open_client", no_cluster)
    assert main(["crawl", site, "--out", str(tmp_path / "c")]) == 2
    assert "internal error" not in capsys.readouterr().err


def test_site_credentials_are_withheld_when_shown():
    shown = shown_site(
        "http://alice:hunter2@shop.example/a?token=abc123secret&email=zoe.quintrell%40gmail.com"
    )
    for secret in ("alice", "hunter2", "abc123secret", "zoe.quintrell"):
        assert secret not in shown
    assert shown.startswith("http://***@shop.example/a?")


def test_the_visit_gets_its_plan_on_stdin_not_argv(monkeypatch, tmp_path):
    seen: dict[str, object] = {}

    class Recorder:
        returncode = 0
        pid = 0

        def __init__(self, args, **kwargs):  # type: ignore[no-untyped-def]
            seen["args"] = args

        def communicate(self, data=None, timeout=None):  # type: ignore[no-untyped-def]
            seen["stdin"] = data
            error = f"{site}?email=zoe.quintrell@gmail.com: net::ERR_FAILED"
            return json.dumps({"pages": 0, "status": None, "problems": [],
                               "error": error}).encode() + b"\n", b""  # fmt: skip

    monkeypatch.setattr(task.subprocess, "Popen", Recorder)
    monkeypatch.setattr(task, "_kill_group", lambda process: None)
    site = "http://alice:hunter2@shop.example/?token=abc123secret"
    outcome = task.crawl_site({"site": site, "timeout": 5})
    assert "hunter2" not in " ".join(map(str, seen["args"]))  # type: ignore[call-overload]
    assert b"hunter2" in seen["stdin"]  # type: ignore[operator]
    row = outcome["row"]
    shown = json.dumps(row)
    assert "hunter2" not in shown and "abc123secret" not in shown and "zoe.quintrell" not in shown
    assert row["status"] == "error" and "ERR_FAILED" in row["error"]


def test_crawl_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "results"
    out.write_text("not a directory")
    assert main(["crawl", "example.com", "--out", str(out)]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["audit", "crawl"])
@pytest.mark.parametrize("workers", ["-1", "0", "two"])
def test_workers_must_be_a_positive_number(tmp_path, command, workers, capsys):
    target = [str(EXAMPLES / "shop-session.flow")] if command == "audit" else ["example.com"]
    extra = ["--out", str(tmp_path / "c")] if command == "crawl" else []
    with pytest.raises(SystemExit) as exit_:
        main([command, *target, *extra, "--workers", workers])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_a_crawl_interrupted_leaves_no_temporary_capture(tmp_path, monkeypatch):
    import pixelhelper.crawl.cluster as cluster
    import pixelhelper.crawl.run as run

    @contextlib.contextmanager
    def client(workers, scheduler, say):  # type: ignore[no-untyped-def]
        yield object()

    def interrupted(client, sites, out, job, **kwargs):  # type: ignore[no-untyped-def]
        work = Path(job["work_root"]) / "pixelhelper-crawl-abc" / "captures"
        work.mkdir(parents=True)
        (work / "site.flow").write_bytes(b"raw traffic with zoe.quintrell@gmail.com")
        raise KeyboardInterrupt

    monkeypatch.setattr(cluster, "open_client", client)
    monkeypatch.setattr(run, "crawl", interrupted)
    out = tmp_path / "crawl"
    assert main(["crawl", "example.com", "--out", str(out)]) == 130
    assert not list(out.rglob("*.flow"))


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("https://a.example/: Page crashed", "Page crashed"),
        ("http://127.0.0.1:8000/x: Download is starting", "Download is starting"),
        ("HTTP 503 from the start page", "HTTP 503"),
        ("https://a.example/: net::ERR_NAME_NOT_RESOLVED at https://a.example/",
         "ERR_NAME_NOT_RESOLVED"),
        ("timeout: the site took longer than 60 s", "timeout"),
    ],
)  # fmt: skip
def test_crawl_errors_are_grouped_by_what_happened(error, kind):
    assert error_kind(error) == kind


@pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))
def test_crawl_refuses_a_bad_click_selector(tmp_path, capsys):
    assert main(["crawl", "example.com", "--out", str(tmp_path / "c"), "--click", "!!!"]) == 2
    assert "'!!!' is not a selector" in capsys.readouterr().err


def test_a_url_password_is_a_credential_everywhere():
    from pixelhelper.redact import scrub_text

    said = scrub_text("crawl: http://alice:hunter2@shop.example/a: net::ERR_FAILED")
    assert "hunter2" not in said and "http://alice:" in said
    nested = scrub_text("https://a.example/?next=http%3A%2F%2Fbob%3Ahunter2%40b.example%2F")
    assert "hunter2" not in nested
    assert scrub_text("http://localhost:8080/x") == "http://localhost:8080/x"
