"""Forms (#33): a test identity typed like a visitor, and found in pixel traffic under any
encoding. The matcher and the field classification alone, then `scan --fill` end to end on a
local site whose forms leak in different ways (tests/sites/forms)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from pixelhelper.cli import main
from pixelhelper.forms.classify import FieldFacts, classify
from pixelhelper.forms.identity import generate_identity, load_identity
from pixelhelper.inspect.leaks import LeakMatcher

from e2e_support import needs_chromium, site_server

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(__file__).resolve().parent / "sites" / "forms"
PIXEL_JS = ROOT / "examples" / "site" / "pixel.js"
IDENTITY = {"email": "Zephyrine.Quillfeather@example.com", "phone": "+1 201 555 0123",
            "first_name": "Zephyrine", "last_name": "Quillfeather", "city": "Marrowfield",
            "postal_code": "97231"}  # fmt: skip


def _sha(name: str, text: str) -> str:
    return hashlib.new(name, text.encode()).hexdigest()


@pytest.fixture(scope="module")
def matcher() -> LeakMatcher:
    return LeakMatcher(IDENTITY)


@pytest.mark.parametrize(
    ("sent", "field", "chain"),
    [
        ("https://s.example/?e=Zephyrine.Quillfeather@example.com", "email", ["query"]),
        (_sha("sha256", "zephyrine.quillfeather@example.com"), "email", ["lowercase", "sha256"]),
        (_sha("sha1", "zephyrine.quillfeather@example.com").upper(), "email",
         ["lowercase", "sha1"]),
        (_sha("sha3_256", "+12015550123"), "phone", ["e164", "sha3_256"]),
        (_sha("md5", _sha("sha256", "zephyrine.quillfeather@example.com")), "email",
         ["lowercase", "sha256", "md5"]),
        (base64.b64encode(hashlib.sha256(b"zephyrine.quillfeather@example.com").digest())
         .decode(), "email", ["lowercase", "sha256", "base64"]),
        (base64.b64encode(json.dumps({"who": "Quillfeather"}).encode()).decode(), "last_name",
         ["json", "base64"]),
        ("12015550123", "phone", ["digits"]),
        (bytes("Zephyrine", "utf-8").hex(), "first_name", ["hex"]),
    ],
)  # fmt: skip
def test_each_encoding_chain_is_found(matcher, sent, field, chain):
    leaks = {leak.field: leak for leak in matcher.scan(sent)}
    assert field in leaks, sent
    assert list(leaks[field].encoding) == chain


def test_a_value_urlencoded_twice_in_a_nested_url_is_found(matcher):
    nested = "https://s.example/?next=" + quote(
        "https://t.example/?mail=" + quote(IDENTITY["email"], safe=""), safe=""
    )
    leaks = {leak.field: leak for leak in matcher.scan(nested)}
    assert "urlencode" in " ".join(leaks["email"].encoding)


def test_another_identity_is_not_found(matcher):
    other = ["zoe.q@example.org", _sha("sha256", "someone@else.example"), "Marrow field",
             base64.b64encode(b"Zephyr Quill").decode(), "+1 201 555 0199"]  # fmt: skip
    for text in other:
        assert matcher.scan(text) == [], text


def test_a_name_inside_the_email_is_the_emails_leak(matcher):
    assert [leak.field for leak in matcher.scan("e=Zephyrine.Quillfeather@example.com")] == [
        "email"
    ]


def test_the_search_is_linear_on_a_large_body(matcher):
    """Bounded work: a 10 MB body is scanned once per decoded layer (the automaton is
    linear), and the layers are cut at their bound; a hit at the end is still found."""
    body = "a" * 10_000_000 + _sha("sha256", "zephyrine.quillfeather@example.com")
    assert matcher.scan(body) == []  # past the layer bound: not scanned, never stalled
    near = "a" * 1_000_000 + _sha("sha256", "zephyrine.quillfeather@example.com")
    assert [leak.field for leak in matcher.scan(near)] == ["email"]


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        (FieldFacts(placeholder="Your e-mail address"), "email"),
        (FieldFacts(placeholder="Ihre E-Mail-Adresse"), "email"),
        (FieldFacts(label="Courriel"), "email"),
        (FieldFacts(label="Telemóvel"), "phone"),
        (FieldFacts(label="Prénom"), "first_name"),
        (FieldFacts(label="Nom"), "last_name"),
        (FieldFacts(label="Achternaam"), "last_name"),
        (FieldFacts(label="Cognome"), "last_name"),
        (FieldFacts(label="Código postal"), "postal_code"),
        (FieldFacts(name="plz"), "postal_code"),
        (FieldFacts(label="Data di nascita"), "date_of_birth"),
        (FieldFacts(label="Woonplaats"), "city"),
        (FieldFacts(label="Straße und Hausnummer"), "street"),
        (FieldFacts(autocomplete="shipping given-name"), "first_name"),
        (FieldFacts(type="email"), "email"),
        (FieldFacts(type="tel", name="x"), "phone"),
    ],
)  # fmt: skip
def test_fields_are_classified_as_a_person_reads_them(facts, kind):
    assert classify(facts) == kind


@pytest.mark.parametrize(
    "facts",
    [FieldFacts(type="password", name="email"), FieldFacts(name="cardnumber"),
     FieldFacts(autocomplete="cc-number", label="Number"), FieldFacts(label="CVC"),
     FieldFacts(type="file"), FieldFacts(name="email", hidden=True),
     FieldFacts(label="Email", disabled=True), FieldFacts(label="Numéro de carte"),
     FieldFacts(name="username"), FieldFacts(label="Search")],
)  # fmt: skip
def test_never_typed_into(facts):
    assert classify(facts) is None


def test_identity_files_and_generated_identities(tmp_path):
    path = tmp_path / "id.toml"
    path.write_text('email = "a.tester@example.com"\nphone = "+44 20 7946 0123"\n')
    assert load_identity(path).values() == {"email": "a.tester@example.com",
                                            "phone": "+44 20 7946 0123"}  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text('emial = "x"\n')
    with pytest.raises(Exception, match="emial"):
        load_identity(bad)
    one, two = generate_identity(), generate_identity()
    assert one.email != two.email and one.email.endswith("@example.com")
    assert " 555 01" in (one.phone or "")


# --------------------------------------------------------------------------- end to end


def forms_site():  # type: ignore[no-untyped-def]
    """tests/sites/forms on 127.0.0.1, with the example site's pixel stand-in at /pixel.js."""
    return site_server(SITE, {"/pixel.js": PIXEL_JS})


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, dict]:
    """Each page of the site scanned with --fill (and get.html with --submit), in block mode."""
    work = tmp_path_factory.mktemp("forms")
    identity = work / "identity.toml"
    identity.write_text("\n".join(f'{k} = "{v}"' for k, v in IDENTITY.items()) + "\n")
    reports = {}
    with forms_site() as base:
        for page, extra in (("aam", []), ("url", []), ("custom", []), ("careful", ["--submit"]),
                            ("get", ["--submit"]), ("shadow", [])):  # fmt: skip
            out = work / f"{page}.json"
            code = main(
                [
                    "scan",
                    f"{base}/{page}.html",
                    "--mode",
                    "block",
                    "--fill",
                    "--identity",
                    str(identity),
                    "--wait",
                    "1",
                    "--format",
                    "json",
                    "--save",
                    str(work / f"{page}.flow"),
                    "-o",
                    str(out),
                    *extra,
                ]
            )
            assert code in (0, 1), page  # fmt: skip
            reports[page] = json.loads(out.read_text())
    return reports


def _leaks(report: dict) -> dict[str, dict]:
    return {f["category"] + ":" + str(f.get("field")): f for f in report["findings"]
            if f["rule"] == "form-data-leak"}  # fmt: skip


@needs_chromium
def test_automatic_matching_on_blur_is_found_before_any_submit(scanned):
    leaks = _leaks(scanned["aam"])
    email, phone = leaks["email:#bk-email"], leaks["phone:#bk-phone"]
    assert email["encoding"] == ["lowercase", "sha256"] and email["stage"] == "typed"
    assert phone["encoding"] == ["e164", "sha256"] and phone["severity"] == "high"
    assert "sha256(lowercase)" in email["message"] and "#bk-email" in email["message"]
    events = [e["event"] for e in scanned["aam"]["events"]]
    assert "PasswordTouched" not in events  # never typed into a password field


@needs_chromium
def test_a_value_written_into_the_page_url_is_found(scanned):
    leaks = _leaks(scanned["url"])
    assert "email:#nl-mail" in leaks and leaks["email:#nl-mail"]["severity"] == "critical"
    assert not any(key.startswith("name:") for key in leaks)  # typed, never sent
    assert "Zephyrine.Quillfeather" not in json.dumps(scanned["url"])  # masked


@needs_chromium
def test_base64_json_and_upper_case_sha1_in_custom_properties(scanned):
    leaks = _leaks(scanned["custom"])
    assert leaks["email:#courriel"]["encoding"] == ["lowercase", "sha1"]
    names = [f for key, f in leaks.items() if key.startswith("name:")]
    assert names and all("base64" in f["encoding"] and "json" in f["encoding"] for f in names)
    assert "CardTouched" not in [e["event"] for e in scanned["custom"]["events"]]


@needs_chromium
def test_a_get_form_leaks_on_the_page_it_leads_to(scanned):
    leaks = _leaks(scanned["get"])
    submitted = [f for f in leaks.values() if f["stage"] == "submitted"]
    assert {f["category"] for f in submitted} >= {"email", "phone", "postal_code"}
    forms = scanned["get"]["forms"]
    assert forms[0]["submitted"] == ["#quote"]


@needs_chromium
def test_fields_in_shadow_roots_and_same_site_frames_are_typed_into(scanned):
    leaks = _leaks(scanned["shadow"])
    assert any(key.startswith("email:") for key in leaks)
    phone = [f for key, f in leaks.items() if key.startswith("phone:")]
    assert phone and phone[0]["field"].startswith("(frame ")


@needs_chromium
def test_a_careful_form_leaks_nothing_and_the_report_says_what_was_tried(scanned):
    assert _leaks(scanned["careful"]) == {}
    fields = scanned["careful"]["forms"][0]["fields"]
    assert {f["classified_as"] for f in fields} == {"email", "full_name", "city"}
    assert all("Zephyrine" not in f["value"] for f in fields)  # masked
    identity = scanned["careful"]["identity"]
    assert identity["file"].endswith("identity.toml")
    assert identity["values"]["email"].endswith("@example.com")
    assert "Zephyrine" not in json.dumps(identity)


def test_known_identities_are_found_under_any_encoding(tmp_path):
    from pixelhelper.sources.writer import write_flow_file

    from flowfactory import hit, pixel_flow

    known = tmp_path / "known.txt"
    known.write_text("jane.tester@example.com\n")
    digest = hashlib.sha256(b"jane.tester@example.com").digest()
    twice = _sha("md5", hashlib.sha256(b"jane.tester@example.com").hexdigest())
    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(hit("Lead", properties={
        "h": hashlib.sha256(b"jane.tester@example.com").hexdigest(),
        "b": base64.b64encode(digest).decode(), "t": twice}))])  # fmt: skip
    out = tmp_path / "r.json"
    main(["audit", str(path), "--known-identities", str(known), "--format", "json", "-o", str(out)])
    found = {f["location"]: f for f in json.loads(out.read_text())["findings"]
             if f["rule"] == "sensitive-hashed-identity"}  # fmt: skip
    assert found["properties.h"]["encoding"] == ["sha256"]
    assert found["properties.b"]["encoding"] == ["sha256", "base64"]
    assert found["properties.t"]["encoding"] == ["sha256", "md5"]
    assert "jane.tester" not in out.read_text()


@needs_chromium
def test_crawl_fill_counts_leaks_by_stage_per_site(tmp_path):
    out = tmp_path / "crawl"
    with forms_site() as base:
        code = main(
            [
                "crawl",
                f"{base}/aam.html",
                "--out",
                str(out),
                "--fill",
                "--pages",
                "1",
                "--wait",
                "1",
                "--workers",
                "1",
                "--mode",
                "block",
                "--format",
                "json",
            ]
        )
    assert code == 0  # fmt: skip
    row = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert row["status"] == "ok" and row["leaks"].get("typed", 0) >= 2
    identity = out / "identity.toml"
    assert identity.stat().st_mode & 0o777 == 0o600 and "@example.com" in identity.read_text()
    report = json.loads((out / row["report"]).read_text())
    assert {f["category"] for f in report["findings"] if f["rule"] == "form-data-leak"} >= {
        "email", "phone"}  # fmt: skip


def test_a_leak_in_a_request_header_is_found_once(tmp_path):
    from pixelhelper.sources.writer import write_flow_file

    from flowfactory import hit, pixel_flow

    identity = tmp_path / "id.toml"
    identity.write_text('email = "jane.tester@example.com"\nphone = "+1 201 555 0123"\n')
    encoded = base64.b64encode(b"jane.tester@example.com").decode()
    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(hit("Pageview"), cookie=f"_ttp=abc; crm_lead={encoded}",
                                      Referer="https://shop.example/?tel=%2B12015550123")])  # fmt: skip
    out = tmp_path / "r.json"
    main(["audit", str(path), "--identity", str(identity), "--format", "json", "-o", str(out)])
    leaks = {f["location"]: f for f in json.loads(out.read_text())["findings"]
             if f["rule"] == "form-data-leak"}  # fmt: skip
    assert leaks["header:Cookie"]["encoding"] == ["base64"]
    assert leaks["header:Referer"]["category"] == "phone"
    assert leaks["header:Referer"]["stage"] is None  # a plain audit knows no submit
    assert "jane.tester" not in out.read_text()


def test_what_a_hostile_page_says_of_its_fields_is_only_text():
    from pixelhelper.forms.fill import _facts

    assert _facts({"selector": 7}) is None and _facts(["not", "a", "field"]) is None
    facts = _facts({"selector": "#x", "type": {"evil": 1}, "label": None, "hidden": "yes",
                    "name": "e" * 10_000})  # fmt: skip
    assert facts is not None and facts.type == "{'evil': 1}" and facts.label == ""
    assert facts.hidden is True and len(facts.name) == 500
    assert classify(facts) is None  # hidden: never typed into
