"""Masking reaches every copy of a flagged value, in linear time, and output is terminal-safe."""

from __future__ import annotations

import base64
import json
import signal
from contextlib import contextmanager

import pytest

from pixelhelper.audit import audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.cli import main
from pixelhelper.output import Format
from pixelhelper.report import build_report
from pixelhelper.sources.writer import write_flow_file

from flowfactory import hit, pixel_flow

EMAIL = "jane.doe@example.com"
PHONE = "+1 (415) 555-0132"


def _report(*bodies: dict) -> str:
    requests = [
        CapturedRequest(
            "POST", "https://analytics.tiktok.com/api/v2/pixel", (), json.dumps(b).encode()
        )
        for b in bodies
    ]
    return Format.JSON.renderer()(build_report(audit_requests(requests)), False)


def test_page_urls_are_masked_fragment_and_all():
    page = "https://shop.example.com/contact?phone=%2B1%20(415)%20555-0132#email=jane.doe%40example.com"
    out = _report(hit("Contact", page=page))
    report = json.loads(out)
    assert "555-0132" not in out and "555%2D0132" not in out and "jane.doe" not in out
    assert report["pages"][0]["url"].startswith("https://shop.example.com/contact")


def test_a_base64_copy_beside_the_plain_one_is_masked():
    b64 = base64.b64encode(EMAIL.encode()).decode()
    url_b64 = base64.urlsafe_b64encode(json.dumps({"e": EMAIL}).encode()).decode()
    page = f"https://shop.example.com/?e={EMAIL}&b={b64}&j={url_b64}"
    out = _report(hit("Pageview", page=page))
    assert EMAIL not in out and b64 not in out and url_b64.rstrip("=") not in out


def test_every_encoding_of_a_flagged_value_is_masked():
    once = "jane.doe%40example.com"
    twice = "jane.doe%2540example.com"
    nested = "https%3A%2F%2Fother.example%2F%3Fmail%3Djane.doe%2540example.com"
    page = f"https://shop.example.com/?a={once}&b={twice}&next={nested}"
    out = _report(hit("Pageview", page=page, properties={"note": f"write to {EMAIL}"}))
    for form in (EMAIL, once, twice, "jane.doe%252540", "jane.doe@"):
        assert form not in out, form


def test_values_nested_deeply_are_found_and_masked():
    deep: object = {"email": EMAIL}
    for _ in range(80):
        deep = {"level": deep}
    out = _report(hit("Lead", properties={"deep": deep}))
    report = json.loads(out)
    assert EMAIL not in out
    assert any(f["category"] == "email" for f in report["findings"])


@contextmanager
def _deadline(seconds: int):
    """Fail instead of hanging: a stall guard, not a performance measurement (that is
    benchmarks/bench_masking.py)."""

    def fail(signum, frame):  # noqa: ARG001
        raise AssertionError(f"took longer than {seconds}s: super-linear work")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("shape", ["one string", "a list"])
def test_80k_emails_in_one_body_do_not_stall(shape):
    # Linear work takes a few seconds; quadratic work over 80,000 values (6.4e9 steps) could
    # not finish before the deadline. The 200,000-email figures are bench_masking.py's.
    emails = [f"user{i}@example{i % 97}.com" for i in range(80_000)]
    note = " ".join(emails) if shape == "one string" else emails
    body = hit("Lead", properties={"note": note})
    with _deadline(90):
        out = _report(body)
    assert "user123@example26.com" not in out and "u***@example26.com" in out


def test_terminal_escapes_never_reach_the_text_report(tmp_path, capsys):
    hostile = "\x1b]0;pwned\x07\x1b[2J\rHIGH fake-finding\n\x9b31m\u202eevil"
    path = tmp_path / "esc.flow"
    body = hit("Contact", page="https://shop.example.com/", properties={"note": hostile})
    body["context"]["page"]["url"] = "https://shop.example.com/\x1b[31mred"
    write_flow_file(path, [pixel_flow(body)])
    for fmt in ("text", "json", "jsonl"):
        main(["audit", str(path), "--format", fmt])
        out = capsys.readouterr().out
        for char in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
            assert char not in out, (fmt, repr(char))
        assert "HIGH fake-finding" not in out.splitlines()
    main(["audit", str(path), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["events"][0]["properties"]["note"] == hostile
