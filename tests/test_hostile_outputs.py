"""Every output section is masked and bounded: the pixels section, JSONL with values flagged
late, per-field caps against amplification, SARIF names, Markdown mentions, `init`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from pixelhelper.cli import main
from pixelhelper.policy.model import parse_policy
from pixelhelper.sources.writer import write_flow_file

from flowfactory import hit, loader_flow, pixel_flow

EMAIL_CODE = "zoe.quintrell@gmail.com"
FORMATS = ("text", "json", "jsonl", "sarif", "junit", "github", "markdown", "html")


@pytest.fixture
def email_code_capture(tmp_path: Path) -> Path:
    """A pixel whose code is an email (a site that put the visitor's address in `ttq.load`)."""
    path = tmp_path / "email-code.flow"
    body = hit("Pageview", code=EMAIL_CODE, user={"email": EMAIL_CODE})
    write_flow_file(path, [pixel_flow(body), pixel_flow(hit("ViewContent", code=EMAIL_CODE, n=1))])
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_pixel_code_that_is_an_email_is_masked_in_every_format(email_code_capture, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    main(["audit", str(email_code_capture), "--format", fmt, "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "zoe.quintrell" not in text and "quintrell@" not in text
    assert "gmail" in text  # the masked form is still there to recognise


def test_the_pixels_section_is_masked_advanced_matching_included(email_code_capture, tmp_path):
    out = tmp_path / "r.json"
    main(["audit", str(email_code_capture), "--format", "json", "-o", str(out)])
    pixels = json.loads(out.read_text())["pixels"]
    assert pixels and all("quintrell" not in json.dumps(p) for p in pixels)
    assert pixels[0]["code"].startswith("z***@")


def test_diff_and_init_do_not_print_or_store_the_raw_code(email_code_capture, tmp_path, capsys):
    empty = tmp_path / "empty.flow"
    write_flow_file(empty, [])
    main(["diff", str(empty), str(email_code_capture)])
    assert "quintrell" not in capsys.readouterr().out
    policy = tmp_path / "pixelhelper.toml"
    assert main(["init", str(email_code_capture), "-o", str(policy)]) == 0
    text = policy.read_text()
    assert "quintrell" not in text and "z***" not in text  # not a pixel code: left out


def test_jsonl_masks_an_early_event_with_a_value_flagged_only_later(tmp_path, capsys):
    path = tmp_path / "late.flow"
    first = hit("ViewContent", n=1, properties={"description": "Quintrell family pack"})
    later = hit("CompleteRegistration", n=2, properties={"last_name": "Quintrell"})
    write_flow_file(path, [pixel_flow(first, n=1), pixel_flow(later, n=2)])
    main(["audit", str(path), "--format", "jsonl"])
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["record"] == "event"
    assert records[0]["properties"]["description"] == "Q*** family pack"
    assert "Quintrell" not in out


def test_init_writes_only_what_its_own_check_accepts(tmp_path):
    path = tmp_path / "odd.flow"
    long_path = "/" + "a" * 600
    flows = [
        pixel_flow(hit("Purchase😀", page="https://shop.example.com/thanks", n=1,
                       properties={"value": 3, "currency": "EUR"}), n=1),
        pixel_flow(hit("E" * 150, page="https://shop.example.com/long", n=2), n=2),
        pixel_flow(hit("Purchase", page="https://shop.example.com" + long_path, n=3), n=3),
        pixel_flow(hit("Purchase", code="CQ8PJ3RC-77U4LT2MKR", n=4,
                       page="https://shop.example.com/ok"), n=4),
        loader_flow(),
    ]  # fmt: skip
    write_flow_file(path, flows)
    policy = tmp_path / "pixelhelper.toml"
    assert main(["init", str(path), "-o", str(policy)]) == 0
    data = tomllib.loads(policy.read_text(encoding="utf-8"))
    parsed = parse_policy(data, policy)  # what `check` does with it: no error
    assert "CQ8PJ3RC-77U4LT2MKR" not in (parsed.pixels.allowed or [])
    assert [(r.page, r.event) for r in parsed.require] == [("/thanks", "Purchase😀"),
                                                          ("/ok", "Purchase")]  # fmt: skip
    assert main(["check", str(path), "--policy", str(policy), "--exit-zero"]) == 0


@pytest.fixture(scope="module")
def amplifying_capture(tmp_path_factory) -> Path:
    """500 findings on one page whose URL is 200 KB."""
    path = tmp_path_factory.mktemp("amp") / "amp.flow"
    url = "https://clinic.example/patient/notes?" + "&".join(
        f"p{i}=" + "x" * 190 for i in range(1000)
    )
    props = {f"contact_{i}": f"user{i}.name@example.org" for i in range(500)}
    write_flow_file(path, [pixel_flow(hit("Contact", page=url, properties=props))])
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_outgrows_its_input(amplifying_capture, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    main(["audit", str(amplifying_capture), "--format", fmt, "-o", str(out)])
    size, given = out.stat().st_size, amplifying_capture.stat().st_size
    assert size < 6 * given, f"{fmt}: {size:,} bytes from {given:,}"


def test_the_text_report_cuts_long_values_and_says_how_much(tmp_path, capsys):
    path = tmp_path / "long.flow"
    write_flow_file(
        path, [pixel_flow(hit("ViewContent", page="https://s.example/?q=" + "a" * 200_000))]
    )
    main(["audit", str(path)])
    out = capsys.readouterr().out
    assert "characters)" in out and len(out) < 50_000


def test_sarif_location_names_carry_no_bidi_or_control_characters(tmp_path):
    path = tmp_path / "bidi.flow"
    page = "https://s.example/\u202eevil\u2066x\u2028y\x85z\x9b?email=zoe.quintrell@gmail.com"
    write_flow_file(path, [pixel_flow(hit("Contact", page=page, **{"event\u202e": "x"}))])
    out = tmp_path / "r.sarif"
    main(["audit", str(path), "--format", "sarif", "-o", str(out)])
    document = json.loads(out.read_text(encoding="utf-8"))
    names = [
        value
        for run in document["runs"]
        for result in run["results"]
        for location in result["locations"]
        for logical in location.get("logicalLocations", [])
        for value in (logical.get("name", ""), logical.get("fullyQualifiedName", ""))
    ]
    assert names
    for name in names:
        assert not any(c in name for c in "\u202e\u2066\u2028\x85\x9b"), name


def test_markdown_leaves_no_live_mention(tmp_path):
    path = tmp_path / "mention.flow"
    page = "https://s.example/?email=@octocat.team@gmail.com&who=@acme/owners"
    write_flow_file(path, [pixel_flow(hit("Contact", page=page, properties={"note": "@octocat"}))])
    out = tmp_path / "r.md"
    main(["check", str(path), "--format", "markdown", "-o", str(out), "--exit-zero"])
    text = out.read_text(encoding="utf-8")
    assert "@" in text
    assert all(text[i + 1 : i + 8] == "&#8203;" for i, c in enumerate(text) if c == "@")
