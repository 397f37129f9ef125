"""`--format html`: complete, self-contained, escaped, filterable, readable without JavaScript."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pixelhelper.sources.writer import write_flow_file

from conftest import EXAMPLES
from e2e_support import needs_chromium
from flowfactory import hit, pixel_flow

EMAIL = "maria.lopez@example.org"
TOKEN = "tok_9Zx8Yw7Vu6Ts5Rq4"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}{% raw %}"]


class Parsed(HTMLParser):
    """Every element (tag, attributes) and the text, as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def with_attr(self, name: str) -> list[dict[str, str | None]]:
        return [a for _t, a in self.elements if name in a]


def render(*argv: str) -> tuple[str, dict]:
    out = subprocess.run([sys.executable, "-m", "pixelhelper.cli", *argv, "--format", "html"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode in (0, 1), out.stderr
    js = subprocess.run([sys.executable, "-m", "pixelhelper.cli", *argv, "--format", "json"],
                        capture_output=True, text=True, timeout=120)  # fmt: skip
    return out.stdout, json.loads(js.stdout)


def hostile_capture(path: Path) -> str:
    flows = [
        pixel_flow(hit("Pageview", page="https://shop.example.com/", n=1), n=1),
        pixel_flow(hit("Contact", page=f"https://shop.example.com/contact?email={EMAIL}&token={TOKEN}",
                       n=2, properties={"note": HOSTILE[0], "name": HOSTILE[1], "tpl": HOSTILE[2],
                                        "email": EMAIL}), n=2),
        pixel_flow(hit("ViewContent", page='https://shop.example.com/p/"><svg onload=alert(2)>', n=3,
                       properties={"content_name": "HIV test kit"}), n=3),
    ]  # fmt: skip
    write_flow_file(path, flows)
    return str(path)


@pytest.mark.parametrize("kind", ["example", "hostile"])
def test_every_page_event_and_finding_is_in_the_file(kind, tmp_path):
    path = (
        str(EXAMPLES / "shop-session.flow")
        if kind == "example"
        else hostile_capture(tmp_path / "h.flow")
    )
    html, report = render("audit", path)
    doc = Parsed(html)
    assert len(doc.all("details", **{"class": "page"})) == len(report["pages"])
    on_pages = {i for p in report["pages"] for x in p["pixels"] for i in x["loads"] + x["events"]}
    on_pages |= {i for p in report["pages"] for i in p["other"]}
    assert {int(str(a["data-event"])) for a in doc.with_attr("data-event")} == on_pages
    assert len(doc.with_attr("data-finding")) == len(report["findings"])
    text = "".join(doc.text)
    for page in report["pages"]:
        assert page["url"] in text
    for rule in {f["rule"] for f in report["findings"]}:
        assert doc.all("div", id=f"rule-{rule}"), f"help of {rule} is in the file"


def test_traffic_is_text_never_markup_and_nothing_raw_by_default(tmp_path):
    html, _report = render("audit", hostile_capture(tmp_path / "h.flow"))
    doc = Parsed(html)
    scripts = doc.all("script")
    assert len(scripts) == 1 and scripts[0].get("nonce"), "only our own script, with the nonce"
    assert not doc.all("img") and not doc.all("svg", onload="alert(2)")
    assert not [a for _t, a in doc.elements if any(k.startswith("on") for k in a)]
    text = "".join(doc.text)
    assert HOSTILE[0] in text and "<img src=x onerror=alert(1)>" in text and "{{ 7*7 }}" in text
    assert EMAIL not in html and TOKEN not in html
    assert "m***@example.org" in text


def test_the_file_is_self_contained(tmp_path):
    html, _ = render("audit", str(EXAMPLES / "shop-session.flow"))
    doc = Parsed(html)
    assert not doc.all("link") and not doc.with_attr("src")
    assert all(not str(a.get("href", "")).startswith(("http", "//")) for a in doc.with_attr("href"))
    policy = doc.all("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert "default-src 'none'" in str(policy)


def test_check_renders_its_verdict_in_html(tmp_path):
    html, _ = render("check", hostile_capture(tmp_path / "h.flow"))
    assert "FAIL" in html and "failing" in html


def _open(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


@needs_chromium
def test_filters_work_in_a_browser_and_every_card_shows_without_javascript(tmp_path):
    from playwright.sync_api import sync_playwright

    report_path = tmp_path / "report.html"
    report_path.write_text(render("audit", str(EXAMPLES / "shop-session.flow"))[0])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            _open(page, report_path)
            total = page.locator("tr[data-finding]").count()
            page.select_option("select[data-filter=severity]", "critical")
            visible = page.locator("tr[data-finding]:not(.hidden)").count()
            assert 0 < visible < total
            assert page.locator("#shown-count").inner_text() == str(visible)
            page.select_option("select[data-filter=severity]", "")
            page.fill("input[data-filter=text]", "midwife")
            assert page.locator("tr[data-finding]:not(.hidden)").count() >= 1
            cards = page.locator("details.page:not(.hidden)").count()
            assert 0 < cards < page.locator("details.page").count()
            page.click("#reset-filters")
            page.click("th[data-sort]:has-text('rule')")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert (tmp_path / "report.png").stat().st_size > 10_000 and not errors
            static = browser.new_page(java_script_enabled=False)
            _open(static, report_path)
            assert (
                static.locator("details.page[open]").count()
                == static.locator("details.page").count()
            )
            assert static.locator("tr[data-finding]").count() == total
            assert not static.locator(".filters").is_visible()
            assert static.locator("details.page").first.locator("li[data-event]").first.is_visible()
        finally:
            browser.close()
