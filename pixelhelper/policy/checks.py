"""The policy's own checks over an audited session: allowed pixels, forbidden pages, required
events and parameters, expired ignores. Pure: an `AuditResult` and a `Policy` in, findings out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.rules import finding
from pixelhelper.policy.globs import PageGlob, compile_glob

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.models import Finding
    from pixelhelper.policy.model import Policy, Require
    from pixelhelper.session import Page

CONVERSIONS = ("pixel", "events_api")


def policy_findings(result: AuditResult, policy: Policy, today: dt.date) -> list[Finding]:
    """Every finding the policy itself produces, in a stable order."""
    pages = result.session.pages
    vendor_of = {f.pixel_code: f.vendor for f in result.events.facts if f.pixel_code}
    out = _unexpected_pixels(pages, policy, vendor_of)
    out += _forbidden_pages(pages, policy)
    for number, require in enumerate(policy.require):
        out += _required(result, pages, require, number)
    out += _expired_ignores(policy, today)
    out += _missing_modes(result, policy)
    return out


def _missing_modes(result: AuditResult, policy: Policy) -> list[Finding]:
    """`[consent].modes`: each required mode the traffic was not recorded in."""
    recorded = {log.mode for log in result.consent}
    return [
        finding(
            "consent-mode-missing",
            None,
            None,
            f"consent.{mode}",
            f"the policy requires traffic recorded in consent mode '{mode}', and this capture "
            f"has none: it proves nothing about what the site does "
            f"{_MODE_PROOF[mode]} (record it with `scan --consent {mode}`)",
        )  # fmt: skip
        for mode in policy.consent.modes
        if mode not in recorded
    ]


_MODE_PROOF = {"none": "before a choice", "reject": "after 'Reject all'",
               "accept": "after 'Accept all'", "gpc": "under Global Privacy Control"}  # fmt: skip


def _first(entry_lists: list[list[int]]) -> int | None:
    indices = [i for entries in entry_lists for i in entries]
    return min(indices) if indices else None


def _unexpected_pixels(
    pages: list[Page], policy: Policy, vendor_of: dict[str, str]
) -> list[Finding]:
    """`[pixels] allowed`: a pixel of a vendor the list names (`meta:ID`; a bare code is
    TikTok's) that is not on it. A vendor the list does not name is not restricted by it:
    a policy written for the TikTok pixel does not fail on a Meta Pixel it never mentions."""
    allowed = policy.pixels.allowed
    if allowed is None:
        return []
    allowed_set = {entry if ":" in entry else f"TIKTOK:{entry}" for entry in allowed}
    named = {entry.split(":", 1)[0] for entry in allowed_set}
    if not allowed:
        named = {"TIKTOK"}
    first_seen: dict[str, int | None] = {}
    for page in pages:
        for code, entry in page.pixels.items():
            index = _first([entry.events, entry.loads, entry.listed])
            known = first_seen.get(code)
            if code not in first_seen or (index is not None and (known is None or index < known)):
                first_seen[code] = index
    return [
        finding(
            "unexpected-pixel",
            index,
            code,
            "context.pixel.code",
            f"pixel {code} is not in the policy's allowed pixels "
            f"({', '.join(allowed) or 'none allowed'})",
        )  # fmt: skip
        for code, index in first_seen.items()
        if (vendor := vendor_of.get(code, "tiktok").upper()) in named
        and f"{vendor}:{code.upper()}" not in allowed_set
    ]


def _forbidden_pages(pages: list[Page], policy: Policy) -> list[Finding]:
    globs = [compile_glob(text) for text in policy.pages.forbidden]
    out = []
    for page in pages:
        glob = _matching(globs, page.url)
        if glob is None:
            continue
        for code, entry in page.pixels.items():
            index = _first([entry.events, entry.loads, entry.listed])
            fired = len(entry.events) + len(entry.loads)
            out.append(
                finding(
                    "pixel-on-forbidden-page",
                    index,
                    code,
                    "context.page.url",
                    f"pixel {code} fired on {page.url} ({fired} hit(s)), which matches the "
                    f"forbidden pages glob {glob.text!r}",
                    value=page.url,
                )  # fmt: skip
            )
    return out


def _matching(globs: list[PageGlob], url: str) -> PageGlob | None:
    return next((glob for glob in globs if glob.matches(url)), None)


def _required(
    result: AuditResult, pages: list[Page], require: Require, number: int
) -> list[Finding]:
    glob = compile_glob(require.page)
    facts = result.events.facts
    visits = [page for page in pages if glob.matches(page.url) and _has_hits(page)]
    where = f"require[{number}]"
    if not visits:
        return [
            finding(
                "required-event-missing",
                None,
                None,
                f"{where} page {require.page}",
                f"{require.event} is required on pages matching {require.page!r}, and no such "
                "page with pixel traffic is in the capture",
            )  # fmt: skip
        ]
    out = []
    for page in visits:
        indices = sorted(i for entry in page.pixels.values() for i in entry.events)
        sent = [
            i for i in indices if facts[i].event == require.event and facts[i].kind in CONVERSIONS
        ]
        if not sent:
            code = next(iter(page.pixels), None)
            out.append(
                finding(
                    "required-event-missing",
                    indices[0] if indices else None,
                    code,
                    f"{where} page {require.page}",
                    f"{require.event} is required on {page.url} (glob {require.page!r}) and was "
                    "not sent on this visit",
                )  # fmt: skip
            )
            continue
        for index in sent:
            out += _missing_params(index, result.events[index], require, where)
    return out


def _has_hits(page: Page) -> bool:
    return any(entry.events or entry.loads for entry in page.pixels.values())


def _missing_params(index: int, event: Any, require: Require, where: str) -> list[Finding]:
    properties = event.properties if isinstance(event.properties, dict) else {}
    return [
        finding(
            "required-param-missing",
            index,
            event.pixel_code,
            f"properties.{param}",
            f"{require.event} on {event.page_url or 'this page'} lacks `{param}`, which "
            f"{where} requires",
        )  # fmt: skip
        for param in require.params
        if properties.get(param) in (None, "", [], {})
    ]


def _expired_ignores(policy: Policy, today: dt.date) -> list[Finding]:
    return [
        finding(
            "expired-ignore",
            None,
            None,
            f"ignore[{number}]",
            f"the ignore of {entry.rule or entry.category}"
            f"{' on ' + entry.page if entry.page else ''} expired on {entry.until} "
            f"(reason: {entry.reason}); its findings count again",
        )  # fmt: skip
        for number, entry in enumerate(policy.ignore)
        if entry.expired(today)
    ]
