"""Options several commands share, and the argparse types they use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pixelhelper.output import Format
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = Any


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def consent_modes(text: str) -> tuple[str, ...]:
    """`--consent none,reject,accept,gpc` as a tuple of modes (argparse says which is wrong)."""
    from pixelhelper.consent.modes import parse_modes

    try:
        return parse_modes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_consent_option(parser: argparse.ArgumentParser) -> None:
    """`--consent MODES` (scan, crawl)."""
    parser.add_argument(
        "--consent", type=consent_modes, default=(), metavar="MODES",
        help="run the visit once per consent mode, each in a fresh browser context: none (no "
        "choice; a banner is only noted), reject and accept (the banner answered by DuckDuckGo's "
        "autoconsent), gpc (Global Privacy Control on); comma-separated, e.g. "
        "none,reject,accept,gpc (default: one visit, no consent handling)",
    )  # fmt: skip


def add_vendors_option(parser: argparse.ArgumentParser) -> None:
    """`--vendors tiktok,meta` (every command that reads pixel traffic)."""
    parser.add_argument(
        "--vendors", metavar="IDS", default=None,
        help="the pixel vendors to recognise, comma-separated: tiktok, meta, or a vendor a "
        "package adds (default: every installed vendor)",
    )  # fmt: skip


def add_inspect_options(parser: argparse.ArgumentParser) -> None:
    add_vendors_option(parser)
    parser.add_argument(
        "--region",
        metavar="CC",
        help="default country (ISO 3166 alpha-2, e.g. US, DE) for national phone numbers; "
        "default: from the page's country-code domain, else US",
    )
    parser.add_argument(
        "--known-identities",
        metavar="FILE",
        help="file of test emails/phones (one per line); hashed copies of them are reported",
    )
    parser.add_argument(
        "--identity",
        metavar="FILE",
        help="the test identity typed into forms (TOML: email, phone, first_name, last_name, "
        "street, city, postal_code, date_of_birth); found under any encoding: form-data-leak",
    )
    parser.add_argument(
        "--show-values",
        action="store_true",
        help="print raw sensitive values instead of masked ones (credentials stay hidden)",
    )


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=Format.TEXT.value,
        help="output format",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    add_verbose(parser)
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a finding of this severity or worse is present",
    )


def add_engine_options(parser: argparse.ArgumentParser, what: str) -> None:
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers", type=positive_int, metavar="N", default=None,
        help=f"{what} a local Dask cluster of N worker processes (crawl default: the cores)",
    )  # fmt: skip
    engine.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help=f"{what} an existing Dask cluster (e.g. tcp://host:8786)",
    )  # fmt: skip


def add_verbose(parser: argparse.ArgumentParser, check: bool = False) -> None:
    if check:
        parser.add_argument(
            "--verbose", "-v", action="count", default=0,
            help="text format: the whole audit before the verdict (-vv: every event in full)",
        )  # fmt: skip
        return
    parser.add_argument(
        "--verbose", "-v", action="store_true",
        help="text format: every event in full, each finding with its message",
    )  # fmt: skip


def add_journey_option(parser: argparse.ArgumentParser, what: str) -> None:
    """`--journey FILE` (scan, check, crawl)."""
    parser.add_argument(
        "--journey", metavar="FILE",
        help=f"walk this journey (TOML: a start page, then steps: goto, click, fill, press, "
        f"select, check, submit, wait_for, wait, consent, fill_forms, mark) {what}",
    )  # fmt: skip
    parser.add_argument(
        "--start", metavar="URL",
        help="with --journey: start here instead of at the file's `start` (the same site on "
        "another host or port, as in CI); relative `goto`s follow it",
    )  # fmt: skip


def add_visit_options(parser: argparse.ArgumentParser) -> None:
    """How a page is visited (scan, and check with --journey)."""
    parser.add_argument(
        "--wait", type=float, default=2.0, metavar="SECONDS", help="time to wait on each page"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="how long one page may take to load, or one journey step (default 30; in crawl, "
        "--timeout bounds a whole site)",
    )  # fmt: skip
    parser.add_argument("--chromium", metavar="PATH", default=None, help="Chromium executable")
    parser.add_argument("--port", type=int, default=0, help="proxy port (default: a free one)")


def add_proxy_options(parser: argparse.ArgumentParser, mode: str = "observe") -> None:
    parser.add_argument(
        "--listen-host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; never all interfaces unless you ask)",
    )  # fmt: skip
    parser.add_argument(
        "--mode", choices=["observe", "block", "redact"], default=mode,
        help="observe: pass unchanged; block: answer pixel requests locally, nothing reaches "
        "TikTok; redact: forward with sensitive values removed" + f" (default {mode})",
    )  # fmt: skip
    parser.add_argument("--save", metavar="FILE", help="save the session as a mitmproxy flow file")
    parser.add_argument(
        "--save-all", action="store_true", help="with --save: keep all traffic, not only pixels"
    )
    parser.add_argument(
        "--allow-sdk", action="store_true",
        help="in block mode, let the pixel SDK's JavaScript load (without cookies/referrer) so a "
        "real site's pixel runs; its events are still blocked",
    )  # fmt: skip
