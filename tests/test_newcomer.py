"""What a first-time user trips over (#31): reports that say what happened, at any width."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pixelhelper.cli import live as live_command
from pixelhelper.cli import main

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "examples" / "shop-session.flow"
POLICY = ROOT / "examples" / "ci" / "pixelhelper.toml"


def _run(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "pixelhelper.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip


def test_the_summary_labels_each_count_with_its_own_severity(capsys):
    main(["audit", str(CAPTURE)])
    out = capsys.readouterr().out
    assert re.search(r"CRITICAL sensitive-health +x2 ", out)
    assert re.search(r"HIGH +sensitive-health +x7 ", out)


def test_at_80_columns_finding_values_wrap_instead_of_being_cut():
    out = _run("audit", str(CAPTURE)).stdout
    flat = " ".join(out.split())
    assert 'trigger_element.inner_text = "book an appointment"' in flat
    assert 'trigger_element.inner_text = "midwife"' in flat
    assert not any(line.startswith(("      CRITICAL", "      HIGH")) and line.endswith("…")
                   for line in out.splitlines())  # fmt: skip


def test_a_shared_fix_paragraph_is_printed_once(capsys):
    main(["audit", str(CAPTURE)])
    out = capsys.readouterr().out
    assert out.count("Fix: stop the value from reaching the pixel") == 1
    assert "Fix: as for sensitive-health above." in out
    assert "README" not in out


@pytest.mark.parametrize("columns", [60, 80])
def test_rules_wrap_at_word_boundaries(columns):
    for args in (["rules"], ["rules", "sensitive-health"]):
        out = _run(*args, columns=columns).stdout
        assert all(len(line) <= columns for line in out.splitlines()), args
        words = set(" ".join(out.split()).split(" "))
        assert "Reproductive" not in out or "Reproductive" in words
    listing = _run("rules", columns=60).stdout
    assert "the most a rule gives" in " ".join(listing.split())


def test_check_prints_the_verdict_and_failing_findings_only_by_default():
    plain = _run("check", str(CAPTURE), "--policy", str(POLICY))
    assert plain.returncode == 1
    assert plain.stdout.startswith("pixelhelper check  1 source(s), 8 event(s)")
    assert "FAIL critical sensitive-health" in plain.stdout
    assert "\nSummary" not in plain.stdout and "\nPage " not in plain.stdout
    assert all(len(line) <= 100 for line in plain.stdout.splitlines())
    verbose = _run("check", str(CAPTURE), "--policy", str(POLICY), "--verbose")
    assert "\nSummary" in verbose.stdout and "Policy (" in verbose.stdout
    assert len(verbose.stdout.splitlines()) > 3 * len(plain.stdout.splitlines()) // 2


def test_the_html_report_names_the_severity_found_and_shows_code_as_code(tmp_path):
    out = tmp_path / "r.html"
    main(["audit", str(CAPTURE), "--format", "html", "-o", str(out)])
    html = out.read_text()
    section = html[html.index("Rules that fired") :]
    shape = section[section.index('id="rule-content-ids-shape"') :][:400]
    assert 'class="sev low"' in shape  # the finding is low; the rule's default is medium
    assert "`" not in section and "<code>currency</code>" in section
    assert "README" not in section


@pytest.mark.parametrize("command", ["audit", "check"])
def test_audit_and_check_read_pixelhelpers_own_json_reports(tmp_path, command):
    report = tmp_path / "report.json"
    main(["audit", str(CAPTURE), "--format", "json", "-o", str(report)])
    again = tmp_path / "again.json"
    args = [command, str(report), "--format", "json", "-o", str(again)]
    if command == "check":
        args += ["--policy", str(POLICY), "--exit-zero"]
    assert main(args) == 0
    first, second = json.loads(report.read_text()), json.loads(again.read_text())
    assert len(second["events"]) == len(first["events"]) == 8
    assert [f["rule"] for f in second["findings"]][: len(first["findings"])] == [
        f["rule"] for f in first["findings"]
    ]
    assert second["summary"]["findings"] == first["summary"]["findings"] or command == "check"
    assert second["sources"][0]["errors"] == []


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("stdin", "stdout", "stderr", "app"),
    [(True, True, True, True), (True, True, False, False), (True, False, True, False),
     (False, True, True, False)],
)  # fmt: skip
def test_the_app_only_when_every_stream_is_a_terminal(monkeypatch, stdin, stdout, stderr, app):
    monkeypatch.setattr(sys, "stdin", _Stream(stdin))
    monkeypatch.setattr(sys, "stdout", _Stream(stdout))
    monkeypatch.setattr(sys, "stderr", _Stream(stderr))
    assert live_command._wants_app("auto") is app
    assert live_command._wants_app("app") is True


def _audit(tmp_path: Path, *hits: tuple[str, dict]) -> dict:
    from pixelhelper.sources.writer import write_flow_file

    from flowfactory import pixel_flow

    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(body, path=where, n=n) for n, (where, body) in
                           enumerate(hits)])  # fmt: skip
    out = tmp_path / "r.json"
    main(["audit", str(path), "--format", "json", "-o", str(out)])
    return json.loads(out.read_text())


@pytest.mark.parametrize(
    ("host", "health"),
    [("www.riversidefamilyclinic.com", True), ("northsidedental.org", True),
     ("www.riversidefurniture.com", False), ("www.bookclub.example", False)],
)  # fmt: skip
def test_a_provider_named_in_the_host_gives_its_pages_health_context(tmp_path, host, health):
    from flowfactory import hit

    report = _audit(
        tmp_path, ("/api/v2/pixel", hit("Contact", page=f"https://{host}/book-appointment"))
    )
    found = [f for f in report["findings"] if f["rule"] == "sensitive-health"]
    assert bool(found) is health


def test_an_act_hit_naming_its_pixels_only_in_codes_belongs_to_them(tmp_path):
    from pixelhelper.policy.model import parse_policy  # noqa: F401  (the policy gate below)

    body = {"event": "Metadata", "action": "Metadata", "message_id": "messageId-1-2",
            "context": {"pixel": {"codes": "CQ8PJ3RC77U4LT2MKR2G|D1ABCDEFGHIJKLMNOPQ0"},
                        "page": {"url": "https://clinic.example/oncology/chemo-schedule"}}}  # fmt: skip
    report = _audit(tmp_path, ("/api/v2/pixel/act", body))
    assert [p["code"] for p in report["pixels"]] == ["CQ8PJ3RC77U4LT2MKR2G", "D1ABCDEFGHIJKLMNOPQ0"]
    policy = tmp_path / "p.toml"
    policy.write_text('[pages]\nforbidden = ["/oncology/**"]\n')
    out = tmp_path / "c.json"
    code = main(["check", str(tmp_path / "s.flow"), "--policy", str(policy), "--format", "json",
                 "-o", str(out)])  # fmt: skip
    assert code == 1
    assert "pixel-on-forbidden-page" in {f["rule"] for f in json.loads(out.read_text())["findings"]}


@pytest.mark.parametrize("mode", ["block", "redact"])
def test_values_kept_from_tiktok_say_so_in_lines_report_and_summary(tmp_path, mode):
    from pixelhelper.live.proxy import ProxyConfig, free_port, start_background, stop

    from e2e_support import map_all_tiktok_to, proxied_request, standin_server
    from flowfactory import hit

    email = "zoe.quintrell@example.org"
    body = json.dumps(hit("Contact", page=f"https://shop.example.com/?email={email}")).encode()
    report = tmp_path / "r.json"
    log = tmp_path / "proxy.log"
    with standin_server() as standin:
        config = ProxyConfig(port=free_port(), mode=mode, view="lines", summary=True,
                             report=str(report), extra=map_all_tiktok_to(standin.url))  # fmt: skip
        process = start_background(config, log)
        try:
            proxied_request(config.port, "POST", "http://analytics.tiktok.com/api/v2/pixel", body)
        finally:
            stop(process)
    said = " ".join(log.read_text().split())  # lines, then the exit report
    assert "receives it in plain text" not in said and "sent to TikTok" not in said
    assert f"[{'blocked' if mode == 'block' else 'redacted'}: never reached TikTok]" in said
    assert "pixelhelper live 1 event(s)" in said and "0 source(s)" not in said
    findings = json.loads(report.read_text())["findings"]
    emails = [f for f in findings if f["rule"] == "sensitive-email"]
    expected = "blocked" if mode == "block" else "redacted"
    assert emails and all(f["outcome"] == expected for f in emails)
    assert all("never reached TikTok" in f["message"] for f in emails)


def test_an_audit_says_findings_were_sent(tmp_path):
    out = tmp_path / "r.json"
    main(["audit", str(CAPTURE), "--format", "json", "-o", str(out)])
    assert {f["outcome"] for f in json.loads(out.read_text())["findings"]} == {"sent"}


def _page_metrics(html: Path, width: int) -> dict:
    from playwright.sync_api import sync_playwright

    from pixelhelper.live.browser import headless_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=headless_args())
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri())
            return page.evaluate(
                """() => ({
                  scroll: document.documentElement.scrollWidth,
                  tallBadges: [...document.querySelectorAll('.sev')].filter(
                    e => e.getClientRects().length > 1 || e.offsetHeight > 24).length,
                  splitEvents: [...document.querySelectorAll('td[data-label="event"]')].filter(e => {
                    const range = document.createRange();
                    range.selectNodeContents(e);
                    return new Set([...range.getClientRects()].map(r => r.top)).size > 1;
                  }).length,
                })"""
            )
        finally:
            browser.close()


@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="Debian's Chromium is not installed"
)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_html_report_fits_a_phone_and_breaks_no_word(tmp_path, width):
    html = tmp_path / "r.html"
    main(["audit", str(CAPTURE), "--format", "html", "-o", str(html)])
    metrics = _page_metrics(html, width)
    assert metrics["scroll"] <= width
    assert metrics["tallBadges"] == 0 and metrics["splitEvents"] == 0


def test_view_and_audit_show_the_same_time_and_a_json_report_has_times():
    from pixelhelper.audit import audit_paths
    from pixelhelper.live.model import SessionModel
    from pixelhelper.live.stream import records_from_report, records_from_result
    from pixelhelper.live.widgets import clock
    from pixelhelper.report import build_report

    result = audit_paths([CAPTURE])
    for records in (records_from_result(result, False), records_from_report(build_report(result))):
        model = SessionModel()
        for record in records:
            model.apply(record)
        times = [clock(row) for row in model.events.values()]
        assert "--:--:--" not in times
        assert times[-1] == "09:00:43"  # the Events API Purchase, as `audit` prints it


def test_markdown_marks_new_findings_only_against_a_baseline(tmp_path):
    out = tmp_path / "r.md"
    main(["check", str(CAPTURE), "--format", "markdown", "-o", str(out), "--exit-zero"])
    assert "(new)" not in out.read_text()
    baseline = tmp_path / "b.json"
    empty = tmp_path / "empty.flow"
    from pixelhelper.sources.writer import write_flow_file

    write_flow_file(empty, [])
    main(["check", str(empty), "--write-baseline", str(baseline), "--exit-zero"])
    main(["check", str(CAPTURE), "--baseline", str(baseline), "--format", "markdown",
          "-o", str(out), "--exit-zero"])  # fmt: skip
    assert "(new)" in out.read_text()


def test_a_resumed_crawl_says_what_an_earlier_run_did():
    from pixelhelper.crawl.summary import render_text

    summary = {"sites": 9, "out": "crawl", "ok": 9, "with_pixel": 3, "events": 12,
               "sites_by_category": {}, "errors": {}, "earlier": 2}  # fmt: skip
    assert "(2 of them from an earlier run, not visited again)" in render_text(summary)


def test_an_interrupted_crawl_says_how_to_go_on(tmp_path, monkeypatch, capsys):
    import contextlib

    import pixelhelper.crawl.cluster as cluster
    import pixelhelper.crawl.run as run

    @contextlib.contextmanager
    def client(workers, scheduler, say):  # type: ignore[no-untyped-def]
        yield object()

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(cluster, "open_client", client)
    monkeypatch.setattr(run, "crawl", interrupted)
    assert main(["crawl", "example.com", "--out", str(tmp_path / "c")]) == 130
    err = capsys.readouterr().err
    assert "interrupted: 0 of 1 site(s)" in err and "run the same command again" in err


def test_the_github_recipe_writes_its_reports_before_the_gate_can_fail():
    recipe = (ROOT / "examples" / "ci" / "github-actions.yml").read_text()
    gate = recipe.index("--format github")
    assert recipe.index("--format sarif") < gate and recipe.index("--format junit") < gate
    assert "--exit-zero" in recipe[recipe.index("--format sarif") : gate]


def test_the_help_names_every_key_and_the_tree_says_loads_and_events_in_words():
    from pixelhelper.live.widgets import HELP

    for key in ("end, f", "tab", "left/right", "pgup/pgdn"):
        assert key in HELP
    assert "prints the session report" not in HELP.split("q, ctrl+c", 1)[1].split("\n")[0] or (
        "live" in HELP.split("q, ctrl+c", 1)[1].split("\n")[0]
    )


def test_open_starts_the_browser_and_the_help_says_what_timeout_means(capsys):
    import argparse

    from pixelhelper.cli import _parser
    from pixelhelper.cli.live import wants_browser

    args = _parser().parse_args(["live", "--open", "https://shop.example/"])
    assert isinstance(args, argparse.Namespace) and not args.browser and wants_browser(args)
    assert not wants_browser(_parser().parse_args(["live"]))
    with pytest.raises(SystemExit):
        _parser().parse_args(["scan", "--help"])
    scan_help = " ".join(capsys.readouterr().out.split())
    assert "how long one page may take to load" in scan_help
    with pytest.raises(SystemExit):
        _parser().parse_args(["crawl", "--help"])
    assert "one whole site" in " ".join(capsys.readouterr().out.split())
