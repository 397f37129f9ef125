"""`pixelhelper check`: policy files, exit codes, baselines, diff, init and the CI formats."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

from pixelhelper.cli import main
from pixelhelper.sources.writer import write_flow_file

from conftest import SHARED
from e2e_support import needs_chromium, site_server
from flowfactory import CODE, hit, loader_flow, pixel_flow, site_flow

SHOP = "https://shop.example.com"
OTHER_CODE = "D1ABCDEFGHIJKLMNOPQ0"
EMAIL = "jane.roe@example.org"
TOKEN = "sk_live_9f8e7d6c5b4a39281706"


def journey(n0: int = 0, *, leak: bool = False, extra_pixel: bool = False, order: int = 1,
            purchase: bool = True, value: bool = True) -> list:  # fmt: skip
    """A clean shopping journey: home, product, thank-you page with the purchase."""
    flows = [
        site_flow(f"{SHOP}/", n0),
        loader_flow(referer=f"{SHOP}/", n=n0),
        pixel_flow(hit("Pageview", page=f"{SHOP}/", n=n0 + 1), n=n0 + 1),
        pixel_flow(
            hit("ViewContent", page=f"{SHOP}/products/lamp?ref={n0}", n=n0 + 2,
                properties={"content_id": "SKU-1", "value": 20, "currency": "USD"}),
            n=n0 + 2,
        ),
    ]  # fmt: skip
    props = {"value": 20, "currency": "USD"} if value else {"currency": "USD"}
    if purchase:
        flows.append(
            pixel_flow(
                hit("CompletePayment", page=f"{SHOP}/checkout/thanks?order={order}", n=n0 + 3,
                    properties=props),
                n=n0 + 3,
            )
        )  # fmt: skip
    if leak:
        page = f"{SHOP}/account?email={EMAIL}&access_token={TOKEN}"
        flows.append(pixel_flow(hit("Contact", page=page, n=n0 + 4), n=n0 + 4))
    if extra_pixel:
        flows.append(
            pixel_flow(hit("Pageview", page=f"{SHOP}/", code=OTHER_CODE, n=n0 + 5), n=n0 + 5)
        )
    return flows


POLICY = f"""
[pixels]
allowed = ["{CODE}"]
[pages]
forbidden = ["/patient/**"]
[[require]]
page = "/checkout/thanks"
event = "CompletePayment"
params = ["value", "currency"]
[fail]
severity = "high"
categories = ["email", "phone", "health"]
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory with a policy, as CI checks it out."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pixelhelper.toml").write_text(POLICY)
    return tmp_path


def capture(path: Path, flows: list) -> str:
    write_flow_file(path, flows)
    return str(path)


def run(*argv: str) -> tuple[int, str, str]:
    """The CLI in a child process: stdout, stderr and the exit code, as CI sees them."""
    out = subprocess.run(
        [sys.executable, "-m", "pixelhelper.cli", *argv], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    return out.returncode, out.stdout, out.stderr


def check_json(*argv: str) -> tuple[int, dict]:
    code, out, err = run("check", "--format", "json", *argv)
    assert out, err
    return code, json.loads(out)


def failing_rules(report: dict) -> list[str]:
    return [report["findings"][i]["rule"] for i in report["policy"]["failing"]]


def test_a_clean_journey_passes(site):
    code, report = check_json(capture(site / "ok.flow", journey()))
    assert code == 0, failing_rules(report)
    assert report["policy"]["verdict"] == "pass" and report["policy"]["failing"] == []
    assert report["policy"]["file"].endswith("pixelhelper.toml")


def test_each_policy_rule_fails_the_build(site):
    flows = journey(purchase=False, extra_pixel=True)
    flows.append(pixel_flow(hit("Pageview", page=f"{SHOP}/patient/records", n=9), n=9))
    code, report = check_json(capture(site / "bad.flow", flows))
    assert code == 1
    rules = failing_rules(report)
    assert "unexpected-pixel" in rules and "pixel-on-forbidden-page" in rules
    assert "required-event-missing" in rules
    findings = {f["rule"]: f for f in report["findings"]}
    assert findings["unexpected-pixel"]["pixel_code"] == OTHER_CODE
    assert findings["pixel-on-forbidden-page"]["category"] == "policy"


def test_a_missing_parameter_is_named(site):
    code, report = check_json(capture(site / "p.flow", journey(value=False)))
    assert code == 1
    missing = [report["findings"][i] for i in report["policy"]["failing"]]
    pairs = [(f["rule"], f["location"]) for f in missing]
    assert ("required-param-missing", "properties.value") in pairs
    assert not any(loc == "properties.currency" for _rule, loc in pairs)


def test_a_leak_fails_and_no_format_prints_it_raw(site):
    path = capture(site / "leak.flow", journey(leak=True))
    code, report = check_json(path)
    assert code == 1 and "sensitive-email" in failing_rules(report)
    for fmt in ("text", "json", "jsonl", "sarif", "junit", "github", "markdown"):
        status, out, err = run("check", "--format", fmt, path)
        assert status == 1, (fmt, err)
        assert EMAIL not in out and TOKEN not in out, fmt
        assert EMAIL not in err and TOKEN not in err, fmt
    status, out, _ = run("check", "--format", "json", "--show-values", path)
    assert EMAIL in out and TOKEN not in out, "raw values on request; credentials never"


def test_exit_zero_still_reports(site):
    code, out, _ = run("check", "--exit-zero", capture(site / "leak.flow", journey(leak=True)))
    assert code == 0 and "FAIL" in out


def test_fail_on_overrides_the_policy(site):
    path = capture(site / "p.flow", journey(value=False))
    (site / "pixelhelper.toml").write_text('[fail]\nseverity = "critical"\n')
    code, report = check_json(path)
    assert report["policy"]["fail_on"] == "critical"
    code_low, report_low = check_json("--fail-on", "low", path)
    assert len(report_low["policy"]["failing"]) >= len(report["policy"]["failing"])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[pixels]\nalowed = ["X"]\n', "pixels.alowed"),
        ('[pages]\nforbidden = ["/patient/[abc"]\n', "pages.forbidden[0]"),
        ('[pages]\nforbidden = ["patient/**"]\n', "pages.forbidden[0]"),
        (
            '[[ignore]]\nrule = "custom-event"\nreason = "x"\nuntil = "2027-13-01"\n',
            "ignore[0].until",
        ),
        ('[[ignore]]\nrule = "custom-event"\n', "ignore[0].reason"),
        ('[[ignore]]\nrule = "no-such-rule"\nreason = "x"\n', "ignore[0].rule"),
        ('[fail]\ncategories = ["emial"]\n', "fail.categories[0]"),
        ('[[require]]\nevent = "Purchase"\n', "require[0].page"),
        ("[fail]\nseverity = 'high\n", "pixelhelper.toml"),
    ],
)
def test_a_bad_policy_exits_2_naming_the_key(site, text, key):
    (site / "pixelhelper.toml").write_text(text)
    code, out, err = run("check", capture(site / "ok.flow", journey()))
    assert code == 2 and out == ""
    assert key in err and "pixelhelper.toml" in err
    assert "Traceback" not in err


def test_the_policy_can_live_in_pyproject_or_be_named(site):
    path = capture(site / "x.flow", journey(extra_pixel=True))
    (site / "pixelhelper.toml").unlink()
    (site / "pyproject.toml").write_text(f'[tool.pixelhelper.pixels]\nallowed = ["{CODE}"]\n')
    code, report = check_json(path)
    assert code == 1 and failing_rules(report) == ["unexpected-pixel"]
    (site / "pyproject.toml").write_text('[tool.pixelhelper.pixels]\nalowed = ["X"]\n')
    code, _out, err = run("check", path)
    assert code == 2 and "tool.pixelhelper.pixels.alowed" in err
    other = site / "ci-policy.toml"
    other.write_text(f'[pixels]\nallowed = ["{CODE}", "{OTHER_CODE}"]\n')
    code, report = check_json("--policy", str(other), path)
    assert code == 0 and report["policy"]["file"] == str(other)
    code, _out, err = run("check", "--policy", str(site / "nope.toml"), path)
    assert code == 2 and "no such policy file" in err


def test_ignores_accept_with_a_reason_until_they_expire(site):
    path = capture(site / "leak.flow", journey(leak=True))
    base = POLICY + '\n[[ignore]]\ncategory = "email"\npage = "/account"\nreason = "test account"\n'
    (site / "pixelhelper.toml").write_text(base + "until = 2999-01-01\n")
    code, report = check_json(path)
    accepted = [report["findings"][i]["rule"] for i in report["policy"]["ignored"]]
    assert "sensitive-email" in accepted and "sensitive-email" not in failing_rules(report)
    assert report["policy"]["reasons"][str(report["policy"]["ignored"][0])] == "test account"
    (site / "pixelhelper.toml").write_text(base + "until = 2020-01-01\n")
    code, report = check_json(path)
    assert code == 1
    assert "expired-ignore" in failing_rules(report) and "sensitive-email" in failing_rules(report)


def test_unreadable_input_exits_2_after_reporting_what_was_read(site):
    path = site / "cut.flow"
    capture(path, journey(leak=True))
    path.write_bytes(path.read_bytes()[:-25])
    code, report = check_json(str(path))
    assert code == 2 and report["events"] and report["sources"][0]["errors"]


def test_the_new_rules_are_listed_with_help():
    code, out, _ = run("rules")
    for rule in ("unexpected-pixel", "pixel-on-forbidden-page", "required-event-missing",
                 "required-param-missing", "expired-ignore"):  # fmt: skip
        assert rule in out
        status, text, _ = run("rules", rule)
        assert status == 0 and "Fix:" in text


def test_help_documents_the_exit_codes():
    code, out, _ = run("check", "--help")
    assert code == 0 and "exit codes" in out and "--exit-zero" in out


# Baselines: stable fingerprints.


def _shuffled_rerecording(seed: int) -> list:
    """The same journey recorded again: flows in another order, new times and message ids."""
    flows = journey(n0=500 + seed, order=1)
    random.Random(seed).shuffle(flows)
    return flows


def test_a_baseline_accepts_the_known_and_fails_exactly_the_new_leak(site):
    known = journey(leak=True)
    base_path = capture(site / "known.flow", known)
    code, out, err = run("check", "--write-baseline", "baseline.json", base_path)
    assert code == 0, err
    assert json.loads((site / "baseline.json").read_text())["fingerprints"]
    # the same session re-recorded passes against its own baseline
    again = capture(site / "again.flow", [f for f in known[:0]] + _rerecorded_leak())
    code, report = check_json("--baseline", "baseline.json", again)
    assert code == 0, failing_rules(report)
    assert report["policy"]["baseline"]["new"] == 0
    # one new leak: exactly that finding fails
    worse = _rerecorded_leak()
    worse.append(pixel_flow(hit("Lead", page=f"{SHOP}/newsletter", n=90,
                                properties={"email": "new.person@example.net"}), n=90))  # fmt: skip
    code, report = check_json("--baseline", "baseline.json", capture(site / "worse.flow", worse))
    assert code == 1
    failing = [report["findings"][i] for i in report["policy"]["failing"]]
    assert [(f["rule"], f["location"]) for f in failing] == [
        ("sensitive-email", "properties.email")
    ]
    # and a fixed one is reported
    fixed = journey()
    code, report = check_json("--baseline", "baseline.json", capture(site / "fixed.flow", fixed))
    assert code == 0 and report["policy"]["baseline"]["fixed"] >= 1 and report["policy"]["fixed"]


def _rerecorded_leak() -> list:
    flows = journey(n0=700, leak=True)
    random.Random(7).shuffle(flows)
    return flows


def test_fingerprints_ignore_order_times_ids_and_values(site):
    first = capture(site / "a.flow", journey(leak=True))
    second = capture(site / "b.flow", _rerecorded_leak())
    _, report_a = check_json(first)
    _, report_b = check_json(second)
    prints_a = sorted(f["fingerprint"] for f in report_a["findings"])
    prints_b = sorted(f["fingerprint"] for f in report_b["findings"])
    assert prints_a == prints_b


def test_a_bad_baseline_exits_2(site):
    (site / "b.json").write_text("{not json")
    code, _out, err = run("check", "--baseline", "b.json", capture(site / "ok.flow", journey()))
    assert code == 2 and "baseline" in err


# Formats.

SCHEMA = json.loads((SHARED / "reference" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_is_valid_and_tracks_findings(site):
    path = capture(site / "leak.flow", journey(leak=True, extra_pixel=True))
    (site / "pixelhelper.toml").write_text(
        POLICY + '[[ignore]]\nrule = "unexpected-pixel"\nreason = "the agency pixel"\n'
    )
    code, out, _ = run("check", "--format", "sarif", path)
    log = json.loads(out)
    jsonschema.validate(log, SCHEMA)
    run_ = log["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert {"unexpected-pixel", "sensitive-email", "expired-ignore"} <= set(rules)
    assert rules["sensitive-email"]["help"]["text"]
    assert rules["sensitive-email"]["defaultConfiguration"]["level"] == "error"
    results = run_["results"]
    assert all(
        r["ruleId"] == run_["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] for r in results
    )
    assert all(r["partialFingerprints"] for r in results)
    email = next(r for r in results if r["ruleId"] == "sensitive-email")
    location = email["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "leak.flow"
    names = [logical["name"] for logical in location["logicalLocations"]]
    assert any("/account" in n for n in names) and any(n.startswith("context.page") for n in names)
    assert any(r.get("suppressions") for r in results), "accepted findings are suppressed"
    code, out, _ = run("audit", "--format", "sarif", path)
    jsonschema.validate(json.loads(out), SCHEMA)


def test_junit_parses_back(site, tmp_path):
    path = capture(site / "leak.flow", journey(leak=True))
    code, out, _ = run("check", "--format", "junit", path)
    xml_path = tmp_path / "junit.xml"
    xml_path.write_text(out)
    xml = JUnitXml.fromfile(str(xml_path))
    suites = list(xml)
    assert suites[0].name.endswith("leak.flow")
    _, report = check_json(path)
    assert sum(s.failures for s in suites) == len(report["policy"]["failing"])
    names = [case.name for suite in suites for case in suite]
    assert any(f"pixel {CODE} on {SHOP}/checkout/thanks" in name for name in names)


COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def test_github_commands_are_one_line_each_and_escaped(site, tmp_path, monkeypatch):
    hostile = f"{SHOP}/p?q=%0A::error::injected&x=\r\nbad"
    flows = journey(leak=True)
    flows.append(pixel_flow(hit("Contact", page=hostile, n=70,
                                properties={"email": "x.y@example.com"}), n=70))  # fmt: skip
    path = capture(site / "g.flow", flows)
    summary = tmp_path / "summary.md"
    code, out, _ = subprocess_env(["check", "--format", "github", path],
                                  {"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    lines = out.splitlines()
    assert lines and all(COMMAND.match(line) for line in lines), lines
    errors = [line for line in lines if line.startswith("::error")]
    _, report = check_json(path)
    assert len(errors) == len(report["policy"]["failing"])
    assert all("file=g.flow" in line for line in errors)
    assert "pixelhelper: FAIL" in summary.read_text()


def subprocess_env(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    import os

    out = subprocess.run([sys.executable, "-m", "pixelhelper.cli", *argv], capture_output=True,
                         text=True, env={**os.environ, **env}, timeout=120)  # fmt: skip
    return out.returncode, out.stdout, out.stderr


def test_markdown_fits_a_comment_for_a_thousand_events(site):
    flows = []
    for n in range(250):  # 4 events per journey, each with a leak: 1,000+ events
        flows += journey(n0=n * 10, leak=True, order=n)
    path = capture(site / "big.flow", flows)
    code, out, _ = run("check", "--format", "markdown", path)
    _, report = check_json(path)
    assert len(report["events"]) >= 1000
    assert code == 1 and len(out) < 65_000 and "FAIL" in out
    assert "<script" not in out and EMAIL not in out


def test_markdown_cannot_be_turned_into_markup(site):
    page = f"{SHOP}/q?name=<img src=x onerror=alert(1)>|[click](javascript:alert(1))"
    flows = journey()
    flows.append(pixel_flow(hit("Contact", page=page, n=40, properties={"email": EMAIL}), n=40))
    code, out, _ = run("check", "--format", "markdown", capture(site / "m.flow", flows))
    assert "<img" not in out and "](javascript" not in out


# diff and init.


def test_diff_of_two_sessions(site):
    old = capture(site / "old.flow", journey())
    new_flows = journey(n0=100, value=False, extra_pixel=True, leak=True)
    new = capture(site / "new.flow", new_flows)
    code, out, err = run("diff", "--format", "json", old, new)
    assert code == 1, err
    diff = json.loads(out)
    assert diff["pixels"]["added"] == [OTHER_CODE]
    assert any("Contact" in page["added"] for page in diff["events"])
    assert any(
        p["event"] == "CompletePayment" and p["removed"] == ["value"] for p in diff["params"]
    )
    assert any(f["rule"] == "sensitive-email" and f["failing"] for f in diff["findings"]["added"])
    assert EMAIL not in out
    code, text, _ = run("diff", old, old)
    assert code == 0 and "no differences" in text
    # JSON reports work as inputs too
    (site / "old.json").write_text(run("check", "--format", "json", "--exit-zero", old)[1])
    (site / "new.json").write_text(run("check", "--format", "json", "--exit-zero", new)[1])
    code, out2, _ = run("diff", "--format", "json", "old.json", "new.json")
    assert code == 1 and json.loads(out2)["findings"]["added"] == diff["findings"]["added"]


def test_init_writes_a_policy_the_same_capture_passes(site):
    (site / "pixelhelper.toml").unlink()
    path = capture(site / "ok.flow", journey())
    code, _out, err = run("init", path)
    assert code == 0, err
    text = (site / "pixelhelper.toml").read_text()
    assert CODE in text and "CompletePayment" in text and "[[require]]" in text
    assert main(["check", path]) == 0
    assert run("init", path)[0] == 2, "never overwrites without --force"
    bad = capture(site / "bad.flow", journey(extra_pixel=True, value=False))
    assert main(["check", bad]) == 1


def test_init_without_a_capture_writes_a_valid_commented_policy(site):
    (site / "pixelhelper.toml").unlink()
    assert main(["init"]) == 0
    assert main(["check", capture(site / "ok.flow", journey())]) == 0


# The examples/ci recipe, end to end (headless Chromium through the proxy, block mode).

CI_POLICY = Path(__file__).resolve().parent.parent / "examples" / "ci" / "pixelhelper.toml"


@needs_chromium
def test_the_ci_recipe_gates_the_example_site(tmp_path):
    save = tmp_path / "session.flow"
    with site_server() as base:
        pages = [f"{base}/index.html", f"{base}/product.html", f"{base}/thanks.html"]
        code = main(["scan", *pages, "--mode", "block", "--wait", "0.5", "--save", str(save),
                     "--format", "json", "--output", str(tmp_path / "scan.json")])  # fmt: skip
        assert code in (0, 1) and save.stat().st_size > 0
        clean = main(["check", str(save), "--policy", str(CI_POLICY), "--format", "json",
                      "--output", str(tmp_path / "clean.json")])  # fmt: skip
        report = json.loads((tmp_path / "clean.json").read_text())
        assert clean == 0, failing_rules(report)
        assert report["policy"]["file"] == str(CI_POLICY)
    # without the policy's accepted exception, the product page's health terms fail the build
    strict = tmp_path / "strict.toml"
    strict.write_text(CI_POLICY.read_text().split("# Accepted for now")[0])
    code = main(["check", str(save), "--policy", str(strict), "--format", "sarif",
                 "--output", str(tmp_path / "leak.sarif")])  # fmt: skip
    assert code == 1
    log = json.loads((tmp_path / "leak.sarif").read_text())
    jsonschema.validate(log, SCHEMA)
    assert any(r["ruleId"] == "sensitive-health" for r in log["runs"][0]["results"])
