"""`pixelhelper init`: a commented starter `pixelhelper.toml`, filled from a capture if given.

From a capture it takes the pixel codes seen (as `allowed`) and the conversion events each
page sent (as `[[require]]`, with the value parameters they carried), so the first check of
the same flow passes and a later regression fails. Everything is a suggestion to edit. Each
entry taken from traffic is validated by the policy's own model first, and one that `check`
would reject (a code that is no pixel code, an over-long path) is left out: `init` never
writes a policy its own `check` refuses.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

SKIPPED_EVENTS = {"Pageview", "PageView", "ClickButton", "Click", "Metadata", "Pf"}
# The parameters TikTok documents at the event level. A singular `content_id` there is the
# shape `content-ids-shape` tells users to change: requiring it would fail a corrected page.
VALUE_PARAMS = ("value", "currency", "content_ids", "contents")
MAX_REQUIRES = 20


def starter_policy(report: dict[str, Any] | None = None) -> str:
    """The text of a starter policy (TOML with comments)."""
    codes = _valid_codes(
        [str(p.get("code")) for p in (report or {}).get("pixels") or [] if p.get("code")]
    )
    requires = _requires(report) if report else []
    lines = [
        "# pixelhelper policy: what this site's TikTok pixel may do. `pixelhelper check` reads it",
        "# from ./pixelhelper.toml (or [tool.pixelhelper] in pyproject.toml, or --policy FILE).",
        "# Every key is checked: a misspelt key is an error, not a silently disabled gate.",
        "",
        "[pixels]",
        "# The site's own pixel codes; any other pixel is an `unexpected-pixel` finding.",
        f"allowed = {_toml(codes)}" if codes else '# allowed = ["CXXXXXXXXXXXXXXXXXXX"]',
        "",
        "[pages]",
        "# Globs on the page URL path (`**` any depth), optionally with a host first:",
        "# no pixel may fire there (`pixel-on-forbidden-page`).",
        'forbidden = []  # e.g. ["/patient/**", "clinic.example/oncology/**"]',
        "",
    ]
    if requires:
        lines.append("# Events that must be sent on matching pages, with these parameters.")
        for page, event, params in requires:
            lines += ["[[require]]", f"page = {_toml(page)}", f"event = {_toml(event)}",
                      f"params = {_toml(params)}", ""]  # fmt: skip
    else:
        lines += ["# [[require]]", '# page = "/checkout/thanks"', '# event = "Purchase"',
                  '# params = ["value", "currency"]', ""]  # fmt: skip
    lines += [
        "[fail]",
        "# Findings at or above this severity fail (--fail-on overrides it).",
        'severity = "high"',
        "# Sensitive categories that fail whatever their severity.",
        'categories = ["email", "phone", "health", "card_number", "national_id"]',
        "# Rule ids that fail whatever their severity (see `pixelhelper rules`).",
        "rules = []",
        "",
        "# Accept a known finding, with a reason and an expiry (then `expired-ignore` fails):",
        "# [[ignore]]",
        '# rule = "custom-event"          # or category = "..."',
        '# page = "/quiz/**"              # optional',
        '# field = "properties.**"        # optional: a glob on the finding\'s location',
        '# max_severity = "high"          # default: critical findings are never hidden',
        '# reason = "Quiz events are reporting-only"',
        "# until = 2027-01-01",
        "",
        "[identities]",
        '# known = "known-identities.txt"  # test emails/phones, as --known-identities',
        '# region = "US"                   # as --region',
        "",
    ]
    return "\n".join(lines)


def _requires(report: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    seen: dict[tuple[str, str], list[str]] = {}
    for event in report.get("events") or []:
        name = event.get("event")
        if event.get("kind") not in ("pixel", "events_api") or not name or name in SKIPPED_EVENTS:
            continue
        path = _path(event.get("page_url"))
        if not path:
            continue
        properties = event.get("properties") if isinstance(event.get("properties"), dict) else {}
        params = [p for p in VALUE_PARAMS if properties.get(p) not in (None, "", [], {})]
        key = (path, str(name))
        if key not in seen:
            seen[key] = params
        else:  # only what every such event carried
            seen[key] = [p for p in seen[key] if p in params]
    valid = [(page, event, params) for (page, event), params in seen.items()
             if _valid_require(page, event, params)]  # fmt: skip
    return valid[:MAX_REQUIRES]


def _toml(value: str | list[str]) -> str:
    """A TOML string or array of strings: JSON's form without `\\u` surrogate pairs, which
    TOML has no place for (an emoji is written as itself)."""
    return json.dumps(value, ensure_ascii=False)


def _writable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from traffic
        return False
    return True


def _valid_codes(codes: list[str]) -> list[str]:
    from pydantic import ValidationError

    from pixelhelper.policy.model import Pixels

    valid = []
    for code in dict.fromkeys(codes):
        try:
            checked = Pixels(allowed=[code]).allowed or []
        except ValidationError:
            continue
        valid += [c for c in checked if _writable(c) and c not in valid]
    return valid


def _valid_require(page: str, event: str, params: list[str]) -> bool:
    from pydantic import ValidationError

    from pixelhelper.policy.model import Require

    if not all(_writable(text) for text in (page, event, *params)):
        return False
    try:
        Require(page=page, event=event, params=params)
    except ValidationError:
        return False
    return True


def _path(url: Any) -> str:
    if not isinstance(url, str):
        return ""
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return ""
    if any(c in path for c in "*?[]") or "@" in path:
        return ""  # not a usable glob (or personal data in the path): leave it to the user
    return path
