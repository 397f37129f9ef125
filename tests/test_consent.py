"""Consent scenarios (`--consent none,reject,accept,gpc`): the vendored autoconsent build, the
timeline that places each event in its mode and state, the five consent rules, the report's
`consent` section and matrix, the policy's `[consent] modes`, and end to end in Chromium on the
local consent site (tests/sites/consent), one test per cell of the site x mode matrix."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from pixelhelper.audit import audit_paths
from pixelhelper.cli import main
from pixelhelper.consent import bundle, refresh, timeline
from pixelhelper.consent.driver import ACT_DELAY, ConsentDriver
from pixelhelper.consent.modes import parse_modes
from pixelhelper.consent.timeline import ModeLog, Timeline
from pixelhelper.errors import ConfigError
from pixelhelper.report import build_report
from pixelhelper.sources.writer import write_flow_file

from e2e_support import SITE, needs_chromium, site_server
from flowfactory import CODE, hit, loader_flow, pixel_flow

CONSENT_SITE = Path(__file__).parent / "sites" / "consent"
T0 = 1_767_258_000.0  # the flows of flowfactory are sent at T0 + n


# --------------------------------------------------------------------------- modes and bundle


def test_modes_parse_in_the_order_given_once_each():
    assert parse_modes("reject, GPC,reject") == ("reject", "gpc")
    assert parse_modes("none,reject,accept,gpc") == ("none", "reject", "accept", "gpc")
    with pytest.raises(ValueError, match="unknown consent mode 'later'"):
        parse_modes("reject,later")


def test_an_unknown_mode_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["scan", "http://127.0.0.1:9/", "--consent", "reject,maybe"])
    assert exited.value.code == 2
    assert "unknown consent mode 'maybe'" in capsys.readouterr().err


def test_the_vendored_build_matches_its_pinned_release():
    pinned = bundle.manifest()
    assert pinned["package"] == "@duckduckgo/autoconsent"
    assert pinned["version"].count(".") == 2 and pinned["license"] == "MPL-2.0"
    assert pinned["integrity"].startswith("sha512-")
    assert bundle.verify() == []
    for name, entry in pinned["files"].items():
        data = (bundle.VENDOR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert "Mozilla Public License Version 2.0" in (bundle.VENDOR / "LICENSE").read_text()


def test_a_damaged_vendored_file_is_found(tmp_path, monkeypatch):
    for name in bundle.manifest()["files"]:
        (tmp_path / name).write_bytes((bundle.VENDOR / name).read_bytes())
    (tmp_path / "rules.json").write_text('{"autoconsent": []}')
    monkeypatch.setattr(bundle, "VENDOR", tmp_path)
    assert bundle.verify() == ["rules.json does not match the pinned release"]


def _tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_refresh_takes_files_only_from_a_tarball_that_matches_its_integrity():
    files = {member: f"contents of {name}".encode() for name, member in bundle.VENDORED.items()}
    tarball = _tarball(files)
    integrity = refresh.integrity_of(tarball)
    got = refresh.extract(tarball, integrity)
    assert got == {name: files[member] for name, member in bundle.VENDORED.items()}
    with pytest.raises(refresh.RefreshError, match="integrity mismatch"):
        refresh.extract(tarball + b"\0", integrity)
    with pytest.raises(refresh.RefreshError, match="integrity mismatch"):
        refresh.extract(tarball, "sha1-" + integrity[7:])
    partial = _tarball({"package/LICENSE": b"MPL"})
    with pytest.raises(refresh.RefreshError, match="has no package/dist"):
        refresh.extract(partial, refresh.integrity_of(partial))


def test_rules_are_chosen_per_frame_and_site():
    main_rules = {rule["name"] for rule in bundle.rules_for("https://shop.example/", True)}
    assert {"Onetrust", "cookieyes"} <= main_rules or "cookieyes" in main_rules
    frame_rules = {rule["name"] for rule in bundle.rules_for("https://shop.example/", False)}
    assert "cookieyes" not in frame_rules  # a main-frame rule
    script = bundle.init_answer(["https://www.lilly.com/"], {"enabled": True})
    assert "lilly" in script and "initResp" in script
    assert "lilly" not in bundle.init_answer(["https://shop.example/"], {"enabled": True})


# --------------------------------------------------------------------------- the driver


class FakeFrame:
    def __init__(self) -> None:
        self.sent: list[object] = []
        self.parent_frame = None
        self.url = "https://shop.example/"

    def evaluate(self, script: str, arg: object = None) -> None:
        self.sent.append(arg)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_banner_is_answered_after_a_delay_and_the_choice_dated_then():
    clock, frame = Clock(), FakeFrame()
    driver = ConsentDriver("reject", port=4001, clock=clock)
    driver._on_message({"frame": frame}, {"type": "popupFound", "cmp": "Onetrust"})
    driver.tick()
    assert frame.sent == [] and not driver.settled()  # not yet: earlier hits still arriving
    clock.now += ACT_DELAY
    driver.tick()
    assert frame.sent == [{"type": "optOut"}]
    clock.now += 0.4
    driver._on_message({"frame": frame}, {"type": "optOutResult", "result": True})
    log = driver.finish()
    assert (log.cmp, log.action, log.port) == ("Onetrust", "opted-out", 4001)
    assert log.banner_at == 100.0 and log.choice_at == 100.0 + ACT_DELAY


def test_a_failed_answer_and_forged_results():
    clock, frame = Clock(), FakeFrame()
    driver = ConsentDriver("accept", clock=clock)
    driver._on_message({"frame": frame}, {"type": "optInResult", "result": True})  # unasked
    assert driver.log.choice_at is None
    driver._on_message({"frame": frame}, {"type": "popupFound", "cmp": "x" * 5000})
    clock.now += 1
    driver.tick()
    driver._on_message({"frame": frame}, {"type": "optInResult", "result": False})
    log = driver.finish()
    assert log.action == "failed" and log.choice_at is None and len(log.cmp or "") == 200


def test_detect_only_modes_never_act_and_floods_are_bounded():
    frame = FakeFrame()
    driver = ConsentDriver("none", clock=Clock())
    for junk in (None, 7, "popupFound", ["x"], {"type": 3}):
        driver._on_message({"frame": frame}, junk)
    for _ in range(6000):
        driver._on_message({"frame": frame}, {"type": "autoconsentError", "details": "boom"})
    driver._on_message({"frame": frame}, {"type": "popupFound", "cmp": "late"})
    driver.tick()
    log = driver.finish()
    assert frame.sent == [] and log.action == "none" and len(log.errors) == 20
    assert log.banner_at is None  # past the message cap nothing is read


# --------------------------------------------------------------------------- timeline


def test_the_timeline_places_events_by_port_then_time():
    reject = ModeLog(mode="reject", port=5001, started=10, ended=20, banner_at=11, choice_at=12,
                     action="opted-out")  # fmt: skip
    gpc = ModeLog(mode="gpc", port=5002, started=10, ended=20)
    line = Timeline([reject, gpc])
    assert line.consent(11.5, False, 5001) == {"mode": "reject", "state": "no-choice",
                                                "banner": True}  # fmt: skip
    assert line.consent(12.0, False, 5001)["state"] == "rejected"
    assert line.consent(11.0, False, 5002) == {"mode": "gpc", "state": "gpc", "banner": False}
    assert line.consent(30.0, False, 5001) is None
    assert line.consent(30.0, True, None) == {"mode": "gpc", "state": "gpc", "banner": False}
    sequential = Timeline([ModeLog(mode="none", started=0, ended=5),
                           ModeLog(mode="accept", started=5, ended=9)])  # fmt: skip
    assert sequential.mode_at(6.0).mode == "accept" and sequential.mode_at(4.0).mode == "none"


@pytest.mark.parametrize(
    "text",
    ["[]", '{"modes": 3}', '{"modes": [{"mode": "maybe", "started": 1}]}',
     '{"modes": [{"mode": "none"}]}', "not json", '{"modes": [' + "[" * 200 + "]" * 200 + "]}"],
)  # fmt: skip
def test_a_bad_consent_log_is_an_error_and_the_capture_is_still_audited(tmp_path, text):
    capture = tmp_path / "visit.flow"
    write_flow_file(capture, [pixel_flow(hit("Pageview"))])
    timeline.sidecar(capture).write_text(text)
    with pytest.raises(ConfigError):
        timeline.read(timeline.sidecar(capture))
    result = audit_paths([tmp_path])  # the directory: the log is no capture of its own
    assert len(result.events) == 1 and result.consent == []
    assert any("consent log" in e for s in result.sources for e in s.errors)


# --------------------------------------------------------------------------- rules and report


def _visit(tmp_path: Path, flows: list, logs: list[ModeLog]) -> dict:
    capture = tmp_path / "visit.flow"
    write_flow_file(capture, flows)
    timeline.write(timeline.sidecar(capture), logs)
    return build_report(audit_paths([capture]))


def _on_port(flow, port):  # type: ignore[no-untyped-def]
    flow.client_conn.sockname = ("127.0.0.1", port)
    return flow


def test_each_consent_rule_fires_where_it_should(tmp_path):
    logs = [
        ModeLog(mode="none", port=6000, started=T0 - 1, ended=T0 + 30, cmp="Onetrust",
                banner_at=T0 + 1),
        ModeLog(mode="reject", port=6001, started=T0 - 1, ended=T0 + 30, cmp="Onetrust",
                banner_at=T0 + 1, choice_at=T0 + 2.5, action="opted-out"),
        ModeLog(mode="accept", port=6002, started=T0 - 1, ended=T0 + 30),  # no banner
        ModeLog(mode="gpc", port=6003, started=T0 - 1, ended=T0 + 30, cmp="Onetrust",
                banner_at=T0 + 1),
    ]  # fmt: skip
    flows = [
        _on_port(loader_flow(n=0), 6001),  # the SDK loads before the choice: not an event
        _on_port(pixel_flow(hit("Pageview", n=1), n=1), 6000),
        _on_port(pixel_flow(hit("Pageview", n=2), n=2), 6001),  # before the choice
        _on_port(pixel_flow(hit("AddToCart", n=3), n=3), 6001),  # after "Reject all"
        _on_port(pixel_flow(hit("Pageview", n=4), n=4), 6002),
        _on_port(pixel_flow(hit("Pageview", n=5), n=5, **{"Sec-GPC": "1"}), 6003),
    ]
    report = _visit(tmp_path, flows, logs)
    by_mode = {entry["mode"]: entry for entry in report["consent"]}
    consent_rules = {"pixel-before-consent", "pixel-after-reject", "gpc-ignored",
                     "consent-banner-not-found", "consent-action-failed"}  # fmt: skip
    found = [
        (f["rule"], f["consent_mode"]) for f in report["findings"] if f["rule"] in consent_rules
    ]
    assert sorted(found) == sorted([
        ("pixel-before-consent", "none"), ("pixel-before-consent", "reject"),
        ("pixel-after-reject", "reject"), ("consent-banner-not-found", "accept"),
        ("gpc-ignored", "gpc"),
    ])  # fmt: skip
    assert [e["consent"] for e in report["events"]][:4] == [
        {"mode": "reject", "state": "no-choice", "banner": True},
        {"mode": "none", "state": "no-choice", "banner": True},
        {"mode": "reject", "state": "no-choice", "banner": True},
        {"mode": "reject", "state": "rejected", "banner": True},
    ]
    reject = by_mode["reject"]
    assert (reject["cmp"], reject["action"], reject["events"]) == ("Onetrust", "opted-out", 2)
    assert (reject["events_before_choice"], reject["events_after_choice"]) == (1, 1)
    assert reject["sdk_loaded_before_choice"] is True and reject["pixels"] == [CODE]
    assert reject["matrix"][CODE] == {"before_choice": 1, "after_choice": 1,
                                      "verdict": "pixel-after-reject"}  # fmt: skip
    assert by_mode["accept"]["findings"] == {"consent-banner-not-found": 1}
    assert by_mode["gpc"]["matrix"][CODE]["verdict"] == "gpc-ignored"
    assert by_mode["none"]["sdk_loaded_before_choice"] is None
    failed = ModeLog(mode="accept", started=T0 - 1, ended=T0 + 30, banner_at=T0, action="failed",
                     attempts=5)  # fmt: skip
    (tmp_path / "failed").mkdir()
    again = _visit(tmp_path / "failed", [], [failed])  # no traffic at all: the mode still counts
    assert [f["rule"] for f in again["findings"]] == ["consent-action-failed"]


def test_gpc_sent_by_any_browser_is_checked_without_a_visit_log(tmp_path):
    capture = tmp_path / "live.flow"
    write_flow_file(capture, [pixel_flow(hit("Pageview"), **{"Sec-GPC": "1"}),
                              pixel_flow(hit("Pageview", n=1), n=1)])  # fmt: skip
    report = build_report(audit_paths([capture]))
    assert [f["rule"] for f in report["findings"] if f["category"] == "consent"] == ["gpc-ignored"]
    assert report["events"][1]["consent"] is None and "consent" not in report


def test_a_report_read_back_keeps_its_modes_without_doubling_their_findings(tmp_path):
    logs = [ModeLog(mode="reject", started=T0 - 1, ended=T0 + 9),
            ModeLog(mode="gpc", started=T0 + 10, ended=T0 + 20)]  # fmt: skip
    report = _visit(tmp_path, [pixel_flow(hit("Pageview"))], logs)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    again = build_report(audit_paths([saved]))
    assert [e["mode"] for e in again["consent"]] == ["reject", "gpc"]
    rules = [f["rule"] for f in again["findings"]]
    assert rules.count("consent-banner-not-found") == 1
    policy = tmp_path / "policy.toml"
    policy.write_text('[consent]\nmodes = ["reject", "gpc"]\n')
    assert main(["check", str(saved), "--policy", str(policy), "--format", "json",
                 "-o", str(tmp_path / "check.json")]) == 0  # fmt: skip


def test_the_policy_requires_modes(tmp_path, capsys):
    capture = tmp_path / "visit.flow"
    write_flow_file(capture, [pixel_flow(hit("Pageview"))])
    policy = tmp_path / "policy.toml"
    policy.write_text('[consent]\nmodes = ["reject", "gpc"]\n')
    assert main(["check", str(capture), "--policy", str(policy)]) == 1
    out = capsys.readouterr().out
    assert "consent-mode-missing" in out and "'reject'" in out and "'gpc'" in out
    timeline.write(timeline.sidecar(capture), [ModeLog(mode="reject", started=0, ended=1),
                                               ModeLog(mode="gpc", started=1, ended=2)])  # fmt: skip
    assert main(["check", str(capture), "--policy", str(policy)]) == 0
    policy.write_text('[consent]\nmodes = ["later"]\n')
    assert main(["check", str(capture), "--policy", str(policy)]) == 2


def test_rules_lists_the_consent_rules(capsys):
    assert main(["rules"]) == 0
    listed = capsys.readouterr().out
    for rule in (
        "pixel-before-consent",
        "pixel-after-reject",
        "gpc-ignored",
        "consent-banner-not-found",
        "consent-action-failed",
        "consent-mode-missing",
    ):
        assert rule in listed  # fmt: skip
    assert main(["rules", "gpc-ignored"]) == 0
    assert "Sec-GPC" in capsys.readouterr().out


def test_a_hostile_platform_name_is_only_text_in_every_format(tmp_path):
    name = "[bold red]x[/] <script>alert(1)</script> \x1b[31mred\x1b[0m"
    logs = [ModeLog(mode="reject", started=T0 - 1, ended=T0 + 9, cmp=name, banner_at=T0,
                    choice_at=T0 + 0.5, action="opted-out")]  # fmt: skip
    capture = tmp_path / "visit.flow"
    write_flow_file(capture, [pixel_flow(hit("Pageview", n=1), n=1)])
    timeline.write(timeline.sidecar(capture), logs)
    outputs = {}
    for fmt in ("text", "html", "markdown"):
        out = tmp_path / f"report.{fmt}"
        main(["audit", str(capture), "--format", fmt, "-o", str(out)])
        outputs[fmt] = out.read_text()
    assert "\x1b" not in outputs["text"] and "[bold red]x[/]" in outputs["text"]
    assert "<script>alert" not in outputs["html"] and "&lt;script&gt;" in outputs["html"]
    assert "after reject" in outputs["text"] and "v-pixel-after-reject" in outputs["html"]


# --------------------------------------------------------------------------- end to end

PAGES = ("correct", "leaky", "late", "plain", "delayed")
CONSENT_RULES = ("pixel-before-consent", "pixel-after-reject", "gpc-ignored",
                 "consent-banner-not-found", "consent-action-failed")  # fmt: skip
EXPECTED = {  # (site, mode) -> (action, events before / after the choice, consent findings)
    ("correct", "none"): ("none", "0/0", set()),
    ("correct", "reject"): ("opted-out", "0/0", set()),
    ("correct", "accept"): ("opted-in", "0/+", set()),
    ("correct", "gpc"): ("none", "0/0", set()),
    ("leaky", "none"): ("none", "+/0", {"pixel-before-consent"}),
    ("leaky", "reject"): ("opted-out", "+/+", {"pixel-before-consent", "pixel-after-reject"}),
    ("leaky", "accept"): ("opted-in", "+/+", {"pixel-before-consent"}),
    ("leaky", "gpc"): ("none", "+/0", {"gpc-ignored"}),
    ("late", "none"): ("none", "0/0", set()),
    ("late", "reject"): ("opted-out", "0/0", set()),
    ("late", "accept"): ("opted-in", "0/+", set()),
    ("late", "gpc"): ("none", "0/0", set()),
    ("plain", "none"): ("none", "+/0", set()),
    ("plain", "reject"): ("none", "+/0", {"consent-banner-not-found"}),
    ("plain", "accept"): ("none", "+/0", {"consent-banner-not-found"}),
    ("plain", "gpc"): ("none", "+/0", {"gpc-ignored"}),
    # a banner drawn 1.5 s after the page loaded is still found and answered
    ("delayed", "none"): ("none", "+/0", {"pixel-before-consent"}),
    ("delayed", "reject"): ("opted-out", "+/+", {"pixel-before-consent", "pixel-after-reject"}),
    ("delayed", "accept"): ("opted-in", "+/+", {"pixel-before-consent"}),
    ("delayed", "gpc"): ("none", "+/0", {"gpc-ignored"}),
}


def consent_site():  # type: ignore[no-untyped-def]
    """tests/sites/consent on 127.0.0.1, with the example site's pixel stand-in at /pixel.js."""
    return site_server(CONSENT_SITE, {"/pixel.js": SITE / "pixel.js"})


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, dict]:
    """Each page scanned once in all four modes (block mode: nothing reaches TikTok)."""
    work = tmp_path_factory.mktemp("consent")
    reports = {}
    with consent_site() as base:
        for page in (*PAGES, "gpc"):
            out = work / f"{page}.json"
            code = main(["scan", f"{base}/{page}.html", "--mode", "block", "--wait", "1",
                         "--consent", "none,reject,accept,gpc", "--save",
                         str(work / f"{page}.flow"), "--format", "json", "-o", str(out)])  # fmt: skip
            assert code in (0, 1), page
            reports[page] = json.loads(out.read_text())
            reports[page]["_capture"] = str(work / f"{page}.flow")
    return reports


@needs_chromium
@pytest.mark.parametrize(("site", "mode"), sorted(EXPECTED))
def test_each_site_in_each_mode(scanned, site, mode):
    action, counts, rules = EXPECTED[(site, mode)]
    entry = {e["mode"]: e for e in scanned[site]["consent"]}[mode]
    assert entry["action"] == action
    before, after = entry["events_before_choice"], entry["events_after_choice"]
    shown = f"{'+' if before else 0}/{'+' if after else 0}"
    assert shown == counts, entry
    assert {r for r in entry["findings"] if r in CONSENT_RULES} == rules, entry["findings"]
    banner = site != "plain"
    assert entry["banner"] is banner
    assert (entry["cmp"] is not None) is banner


@needs_chromium
def test_a_pixel_that_fires_only_after_consent_is_found_in_accept_mode(scanned):
    entries = {e["mode"]: e for e in scanned["late"]["consent"]}
    assert entries["accept"]["pixels"] == [CODE]
    assert entries["accept"]["matrix"][CODE]["verdict"] == "ok"
    assert all(not entries[m]["pixels"] for m in ("none", "reject", "gpc"))
    assert {e["consent"]["state"] for e in scanned["late"]["events"]} == {"accepted"}


@needs_chromium
def test_gpc_is_on_for_every_request_and_every_frame_in_gpc_mode_only(scanned):
    from pixelhelper.sources import read_requests
    from pixelhelper.sources.stats import SourceStats

    seen = {(e["consent"]["mode"], e["properties"]["content_id"]): e["properties"]["description"]
            for e in scanned["gpc"]["events"] if e["kind"] == "pixel"}  # fmt: skip
    assert seen[("gpc", "gpc-main")] == seen[("gpc", "gpc-frame")] == "gpc=true"
    assert seen[("none", "gpc-main")] == seen[("reject", "gpc-frame")] == "gpc=undefined"
    ports = {log["mode"]: log["port"] for log in json.loads(
        timeline.sidecar(scanned["gpc"]["_capture"]).read_text())["modes"]}  # fmt: skip
    requests = list(read_requests(Path(scanned["gpc"]["_capture"]), SourceStats("x")))
    assert requests
    for request in requests:
        in_gpc = request.listen_port == ports["gpc"]
        assert (request.header("sec-gpc") == "1") is in_gpc, request.url


@needs_chromium
def test_a_saved_consent_scan_audits_again_to_the_same_verdicts(scanned, tmp_path):
    again = build_report(audit_paths([scanned["leaky"]["_capture"]]))
    assert [(e["mode"], e["findings"]) for e in again["consent"]] == [
        (e["mode"], e["findings"]) for e in scanned["leaky"]["consent"]
    ]


@needs_chromium
def test_crawl_with_reject_and_gpc(tmp_path, capsys):
    out = tmp_path / "crawl"
    with consent_site() as base:
        code = main(["crawl", f"{base}/leaky.html", f"{base}/correct.html", "--out", str(out),
                     "--pages", "1", "--wait", "1", "--mode", "block", "--workers", "1",
                     "--consent", "reject,gpc"])  # fmt: skip
    assert code == 0
    summary = capsys.readouterr().out
    assert "with pixel-after-reject: 1" in summary and "with gpc-ignored: 1" in summary
    rows = {row["site"].rsplit("/", 1)[-1]: row
            for row in map(json.loads, (out / "results.jsonl").read_text().splitlines())}  # fmt: skip
    leaky, correct = rows["leaky.html"]["consent"], rows["correct.html"]["consent"]
    assert set(leaky) == set(correct) == {"reject", "gpc"}
    assert leaky["reject"]["action"] == correct["reject"]["action"] == "opted-out"
    assert leaky["reject"]["findings"].get("pixel-after-reject", 0) >= 1
    assert leaky["gpc"]["findings"].get("gpc-ignored", 0) >= 1
    assert correct["reject"]["events"] == correct["gpc"]["events"] == 0
    assert not any(r in CONSENT_RULES for m in correct.values() for r in m["findings"])
    capture = out / rows["leaky.html"]["capture"]
    assert timeline.sidecar(capture).is_file()  # a later audit of the capture knows the modes
    again = build_report(audit_paths([capture]))
    assert {e["mode"] for e in again["consent"]} == {"reject", "gpc"}
