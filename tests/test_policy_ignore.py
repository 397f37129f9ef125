"""`[[ignore]]` narrowed by `field` and bounded by `max_severity`; both spellings of a
category; the example CI policy ignores only what its reason says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixelhelper.cli import main
from pixelhelper.policy.globs import GlobError, compile_field_glob
from pixelhelper.sources.writer import write_flow_file

from e2e_support import needs_chromium, site_server
from flowfactory import hit, pixel_flow

ROOT = Path(__file__).resolve().parent.parent
PAGE = "https://shop.example.com/products/prenatal-vitamins"


@pytest.fixture
def clinic_click(tmp_path: Path) -> Path:
    """A product page that names a health product and auto-collects a health button's text."""
    path = tmp_path / "click.flow"
    body = hit(
        "ClickButton", page=PAGE, properties={"content_name": "Prenatal vitamins"},
        auto_collected_properties={"trigger_element": {
            "inner_text": "Book an appointment with a midwife", "tag": "BUTTON"}},
    )  # fmt: skip
    write_flow_file(path, [pixel_flow(body)])
    return path


def _check(capture: Path, policy: str, tmp_path: Path) -> tuple[int, dict]:
    file = tmp_path / "policy.toml"
    file.write_text(policy)
    out = tmp_path / "report.json"
    code = main(["check", str(capture), "--policy", str(file), "--format", "json", "-o", str(out)])
    return code, json.loads(out.read_text())


def _ignored(report: dict) -> list[str]:
    return sorted(report["findings"][i]["location"] for i in report["policy"]["ignored"])


IGNORE = """
[[ignore]]
category = "health"
page = "/products/**"
reason = "the product's own name"
"""


def test_an_ignore_hides_nothing_above_high_by_default(clinic_click, tmp_path):
    code, report = _check(clinic_click, IGNORE, tmp_path)
    assert code == 1
    assert _ignored(report) == ["context.page.url", "properties.content_name"]
    failing = [report["findings"][i] for i in report["policy"]["failing"]]
    assert {f["value"] for f in failing if f["severity"] == "critical"} == {
        "book an appointment", "midwife"}  # fmt: skip


def test_critical_findings_need_an_explicit_max_severity(clinic_click, tmp_path):
    code, report = _check(clinic_click, IGNORE + 'max_severity = "critical"\n', tmp_path)
    assert len(_ignored(report)) == 4


def test_field_narrows_an_ignore_to_where_the_reason_applies(clinic_click, tmp_path):
    code, report = _check(clinic_click, IGNORE + 'field = "properties.**content_name"\n', tmp_path)
    assert _ignored(report) == ["properties.content_name"]
    assert code == 1


@pytest.mark.parametrize(
    ("glob", "location", "matches"),
    [
        ("properties.**content_name", "properties.contents[0].content_name", True),
        ("properties.*.content_name", "properties.contents[0].content_name", True),
        ("properties.*", "properties.contents[0].content_name", False),
        ("properties.contents*.content_name", "properties.contents[12].content_name", True),
        ("context.page.url?email", "context.page.url?email", True),
        ("context.page.*", "context.page.url?email", True),
        ("auto_collected_properties.content_data.**", "auto_collected_properties.x", False),
    ],
)
def test_field_globs(glob, location, matches):
    assert compile_field_glob(glob).matches(location) is matches


def test_a_bad_field_glob_is_a_policy_error(clinic_click, tmp_path, capsys):
    with pytest.raises(GlobError):
        compile_field_glob("")
    policy = tmp_path / "p.toml"
    policy.write_text(IGNORE + 'field = "' + "a" * 400 + '"\n')
    assert main(["check", str(clinic_click), "--policy", str(policy)]) == 2
    assert "ignore[0].field" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["person-name", "person_name", "Person-Name"])
def test_both_spellings_of_a_category_are_accepted(tmp_path, spelling):
    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(hit("CompleteRegistration",
                                          properties={"last_name": "Quintrell"}))])  # fmt: skip
    gate = '[fail]\nseverity = "critical"\n'
    code, report = _check(path, gate, tmp_path)
    assert code == 0
    code, report = _check(path, gate + f'categories = ["{spelling}"]\n', tmp_path)
    assert code == 1
    failing = {report["findings"][i]["category"] for i in report["policy"]["failing"]}
    assert failing == {"person_name"}


@needs_chromium
def test_the_example_ci_policy_fails_the_clicked_health_button(tmp_path):
    """The example CI recipe on the example site: the product page's name is accepted, the
    clicked "Book an appointment with a midwife" button (critical) fails the gate."""
    policy = ROOT / "examples" / "ci" / "pixelhelper.toml"
    with site_server() as base:
        pages = [f"{base}/index.html", f"{base}/product.html", f"{base}/thanks.html"]
        quiet = tmp_path / "quiet.flow"
        clicked = tmp_path / "clicked.flow"
        for save, extra in ((quiet, []), (clicked, ["--click", "#book"])):
            code = main(
                [
                    "scan",
                    "--mode",
                    "block",
                    "--save",
                    str(save),
                    "--wait",
                    "1",
                    "--format",
                    "json",
                    "-o",
                    str(tmp_path / "scan.json"),
                    *extra,
                    *pages,
                ]
            )
            assert code in (0, 1)  # fmt: skip
    out = tmp_path / "quiet.json"
    assert main(["check", str(quiet), "--policy", str(policy), "--format", "json",
                 "-o", str(out)]) == 0  # fmt: skip
    assert json.loads(out.read_text())["policy"]["ignored"]
    out = tmp_path / "clicked.json"
    assert main(["check", str(clicked), "--policy", str(policy), "--format", "json",
                 "-o", str(out)]) == 1  # fmt: skip
    report = json.loads(out.read_text())
    failing = [report["findings"][i] for i in report["policy"]["failing"]]
    assert any(f["severity"] == "critical" and f["category"] == "health" for f in failing)


def test_init_requires_only_documented_parameters(tmp_path):
    path = tmp_path / "s.flow"
    props = {"value": 24.5, "currency": "USD", "content_id": "SKU-1", "content_type": "product"}
    write_flow_file(path, [pixel_flow(hit("ViewContent", page="https://shop.example.com/p/1",
                                          properties=props))])  # fmt: skip
    policy = tmp_path / "pixelhelper.toml"
    assert main(["init", str(path), "-o", str(policy)]) == 0
    text = policy.read_text()
    assert 'params = ["value", "currency"]' in text and "content_id" not in text
    fixed = tmp_path / "fixed.flow"
    props = {"value": 24.5, "currency": "USD", "content_ids": ["SKU-1"]}
    write_flow_file(fixed, [pixel_flow(hit("ViewContent", page="https://shop.example.com/p/1",
                                           properties=props))])  # fmt: skip
    out = tmp_path / "r.json"
    main(["check", str(fixed), "--policy", str(policy), "--format", "json", "-o", str(out)])
    rules = {f["rule"] for f in json.loads(out.read_text())["findings"]}
    assert "required-param-missing" not in rules
