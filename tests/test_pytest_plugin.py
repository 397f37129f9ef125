"""The pytest plugin, used the way a team's own Playwright suite uses it: an inner test run
(pytester, in a subprocess) whose tests browse the example shop through `pixelhelper_proxy`
and assert on `pixel_report`."""

from __future__ import annotations

import textwrap

from pixelhelper.testing.plugin import MODES

from e2e_support import needs_chromium, site_server

INNER = """
import pytest
from playwright.sync_api import sync_playwright

BASE = {base!r}


@pytest.fixture
def page(pixelhelper_proxy):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     proxy=pixelhelper_proxy.playwright)
        context = browser.new_context(**pixelhelper_proxy.context_args)
        yield context.new_page()
        browser.close()


def test_the_contact_form_sends_no_email(page, pixel_report):
    page.goto(BASE + "/contact.html")
    page.fill("#email", "jane.doe@example.com")
    page.click("#send")
    page.wait_for_load_state("load")
    assert not pixel_report.findings(category="email"), pixel_report.summary()


def test_the_home_page_is_clean(page, pixel_report):
    page.goto(BASE + "/index.html")
    page.wait_for_timeout(300)
    assert [e.event for e in pixel_report.events("Pageview")] == ["Pageview"]
    assert not pixel_report.findings(category="email")  # the other test's leak is not here


def test_the_proxy_is_local_and_blocks(pixelhelper_proxy):
    assert pixelhelper_proxy.host == "127.0.0.1" and pixelhelper_proxy.mode == "block"
    assert pixelhelper_proxy.context_args["proxy"]["server"] == pixelhelper_proxy.url
"""


@needs_chromium
def test_a_playwright_suite_sees_its_leak_in_pixel_report(pytester, tmp_path):
    keep = tmp_path / "session.flow"
    with site_server() as base:
        pytester.makepyfile(test_shop=textwrap.dedent(INNER.format(base=base)))
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-n", "0", "--pixelhelper-save", str(keep), timeout=180
        )
    result.assert_outcomes(passed=2, failed=1)
    output = result.stdout.str()
    assert "test_the_contact_form_sends_no_email" in output
    assert "sensitive-email (email) context.user.email: j***@example.com" in output
    # what the plugin prints into a CI log is masked (the test's own source is the test's)
    printed = [line for line in output.splitlines()
               if "Finding(" in line or "sensitive-email" in line or "Error" in line]  # fmt: skip
    assert printed and not any("jane.doe@example.com" in line for line in printed)
    # the session's traffic was kept for `pixelhelper audit`
    from pixelhelper.audit import audit_paths

    kept = audit_paths([keep])
    assert len(kept.events) >= 4 and not kept.has_errors
    assert any(f.category == "email" for f in kept.findings)


def test_the_plugin_is_registered_and_inert_until_used(pytester):
    pytester.makepyfile(test_plain="def test_nothing():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0", "--fixtures")
    assert "pixelhelper_proxy" in result.stdout.str() and "pixel_report" in result.stdout.str()
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0")
    plain.assert_outcomes(passed=1)
    assert not list(pytester.path.glob("**/*.flow"))  # no proxy was started


def test_a_bad_mode_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\npixelhelper_mode = forward\n")
    pytester.makepyfile(test_m="def test_m(pixelhelper_proxy):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0")
    assert result.ret != 0 and "pixelhelper_mode must be one of" in result.stdout.str()
    assert set(MODES) == {"block", "observe", "redact"}
