"""Journeys end to end: headless Chromium through the proxy (block mode) on the example shop,
every step kind, a failing step, `check --journey`, `crawl --journey` and the fields a
journey never types into."""

from __future__ import annotations

import json
from pathlib import Path

from pixelhelper.audit import audit_paths
from pixelhelper.cli import main

from e2e_support import needs_chromium, site_server

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = ROOT / "examples" / "ci" / "journey.toml"
POLICY = ROOT / "examples" / "ci" / "pixelhelper.toml"
ACCOUNT = Path(__file__).resolve().parent / "sites" / "journey" / "account.html"
FAST = ["--mode", "block", "--wait", "0.3"]

SHOPPING = """
name = "Shopping, then the contact form"
start = "http://127.0.0.1:1/index.html"

[[step]]
mark = "product"
[[step]]
click = "text=Prenatal vitamins"
[[step]]
mark = "cart"
[[step]]
click = "#add-to-cart"
[[step]]
mark = "contact"
[[step]]
goto = "contact.html"
[[step]]
fill_forms = true
[[step]]
fill = "#email"
value = "walk.er@example.org"
[[step]]
wait = 0.2
[[step]]
click = "#email"
[[step]]
press = "Enter"
[[step]]
wait_for = "text=Thank you"
"""


def write(tmp_path: Path, text: str, name: str = "journey.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def steps_of(report: dict) -> dict[int, dict]:
    return {step["index"]: step for step in report["journey"]["steps"]}


@needs_chromium
def test_every_step_kind_runs_and_each_hit_knows_its_step(tmp_path):
    journey = write(tmp_path, SHOPPING)
    save, out = tmp_path / "shop.flow", tmp_path / "shop.json"
    with site_server() as base:
        code = main(["scan", "--journey", str(journey), "--start", f"{base}/index.html", *FAST,
                     "--save", str(save), "--format", "json", "--output", str(out)])  # fmt: skip
    report = json.loads(out.read_text())
    assert code == 0, report["journey"]
    assert report["journey"]["status"] == "completed"
    steps = steps_of(report)
    assert [steps[n]["kind"] for n in sorted(steps)] == [
        "start", "mark", "click", "mark", "click", "mark", "goto", "fill_forms", "fill", "wait",
        "click", "press", "wait_for"]  # fmt: skip
    assert all(step["status"] == "ok" for step in steps.values())
    assert steps[4]["mark"] == "cart" and steps[11]["mark"] == "contact"
    hits = {n: {h["event"] for h in step["hits"]} for n, step in steps.items()}
    assert "Pageview" in hits[0] and "ViewContent" in hits[2] and "AddToCart" in hits[4]
    assert "SubmitForm" in hits[11]  # Enter in the email field sent the form
    events = {e.get("event"): e for e in report["events"]}
    assert events["AddToCart"]["step"] == 4 and events["SubmitForm"]["step"] == 11
    # the email sent unhashed appears first in the step that submitted it
    emails = [f for f in report["findings"] if f["category"] == "email"]
    assert emails and min(f["step"] for f in emails) == 11
    assert "sensitive-email" in steps[11]["findings"]
    # the typed value never appears in the report: masked, and not part of the step
    assert "walk.er@example.org" not in out.read_text()
    assert steps[8]["target"] == "#email <- 19 characters"
    # a later audit of the capture knows the journey (kept beside it)
    assert (tmp_path / "shop.flow.journey.json").is_file()
    again = audit_paths([save])
    assert again.journey is not None and again.journey.name == "Shopping, then the contact form"
    assert {again.events[i].step for i in range(len(again.events))} >= {0, 2, 4, 11}


@needs_chromium
def test_a_failing_step_exits_2_and_still_reports_what_was_recorded(tmp_path, capsys):
    journey = write(tmp_path, SHOPPING.replace('click = "#add-to-cart"',
                                               'click = "#no-such-button"\ntimeout = 1'))  # fmt: skip
    save, out = tmp_path / "failed.flow", tmp_path / "failed.json"
    with site_server() as base:
        code = main(["scan", "--journey", str(journey), "--start", f"{base}/index.html", *FAST,
                     "--save", str(save), "--format", "json", "--output", str(out)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "step 4 (click #no-such-button)" in err and "Traceback" not in err
    report = json.loads(out.read_text())
    assert report["journey"]["status"] == "failed" and report["journey"]["failed_step"] == 4
    steps = steps_of(report)
    assert steps[4]["status"] == "failed" and "Timeout" in steps[4]["error"]
    assert steps[5]["status"] == "not-run" and steps[12]["status"] == "not-run"
    assert {e.get("event") for e in report["events"]} >= {"Pageview", "ViewContent"}
    assert save.stat().st_size > 0


@needs_chromium
def test_never_a_password_for_the_identity_nor_a_card(tmp_path, capsys):
    base_steps = 'name = "Sign in"\nstart = "http://127.0.0.1:1/account.html"\n[[step]]\n'
    cases = {
        'fill = "#password"\nvalue = "correct horse battery"\n'
        '[[step]]\ncheck = "#remember"\ntimeout = 2\n'  # a styled checkbox: its input hidden
        '[[step]]\nclick = "#sign-in"\n[[step]]\nwait_for = "#signed-in"\n': 0,
        'fill = "#password"\nidentity = "email"\n': 2,
        'fill = "#card"\nvalue = "4111 1111 1111 1111"\n': 2,
        'submit = "#pay"\n': 2,
    }
    with site_server(files={"/account.html": ACCOUNT}) as base:
        for number, (steps, expected) in enumerate(cases.items()):
            journey = write(tmp_path, base_steps + steps, f"j{number}.toml")
            out = tmp_path / f"j{number}.json"
            code = main(["scan", "--journey", str(journey), "--start", f"{base}/account.html",
                         *FAST, "--save", str(tmp_path / f"j{number}.flow"), "--format", "json",
                         "--output", str(out)])  # fmt: skip
            report = json.loads(out.read_text())
            assert code in ((0, 1) if expected == 0 else (2,)), (steps, report["journey"])
            if expected == 0:
                signed = [e for e in report["events"] if e.get("event") == "CompleteRegistration"]
                assert signed and signed[0]["properties"] == {"remember": "yes"}
            text = out.read_text()
            assert "correct horse" not in text and "4111 1111" not in text
    err = capsys.readouterr().err
    assert "never types into a password field" in err
    assert "never types into a payment-card field" in err
    assert "never submits a payment form" in err


def test_usage_mistakes_are_one_line(tmp_path, capsys):
    journey = write(tmp_path, 'name = "x"\nstart = "https://a.example/"\n')
    assert main(["scan", "--journey", str(journey), "https://b.example/"]) == 2
    assert main(["scan", "--journey", str(journey), "--click", "#a"]) == 2
    assert main(["scan", "--start", "https://a.example/", "https://a.example/"]) == 2
    assert main(["check", "--journey", str(journey), "some.flow"]) == 2
    assert main(["check"]) == 2
    relative = write(tmp_path, 'name = "x"\nstart = "/"\n', "relative.toml")
    assert main(["scan", "--journey", str(relative)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("pixelhelper: error:") == 6
