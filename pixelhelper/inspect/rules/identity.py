"""Advanced matching: identities hashed and normalised, and TikTok's own verdict on them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.rules.reference import (
    _user_path,
)
from pixelhelper.inspect.rules.registry import (
    SHA256_HEX,
    RuleContext,
    event_rule,
    finding,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent, Severity

# Advanced-matching fields TikTok documents as SHA-256 hashed, per side. The pixel SDK sends
# `external_id` as given (seen in real hits); the Events API documents it as hashed. Names and
# address fields are not documented as hashed: the sensitive-data detectors report them.
_HASHED_FIELDS: dict[str, dict[str, Severity]] = {
    "browser": {"email": "high", "phone_number": "high", "phone": "high"},
    "server": {"email": "high", "phone": "high", "phone_number": "high", "external_id": "medium"},
}
_IDENTITY_FIELDS = ("email", "phone_number", "phone", "external_id", "first_name", "last_name",
                    "city", "state", "country", "zip_code", "zip")  # fmt: skip


def _identity_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    return []


@event_rule("unhashed-identity", "high", "Advanced-matching data sent in plain text", "parameter")
def unhashed_identity(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The advanced-matching fields TikTok documents as hashed must reach it as SHA-256 hashes
    (64 hex characters): email and phone from the pixel, and email, phone and external_id from
    the Events API. Sent in plain text they expose the visitor's identity in transit and in
    TikTok's logs, and the pixel's own hashing was bypassed.

    Fix: pass the raw values to `ttq.identify()` so the SDK hashes them, or hash them yourself
    with SHA-256 after normalising (trim + lower-case email; E.164 phone) before the Events API.
    """
    user = event.user if isinstance(event.user, dict) else {}
    base = _user_path(event)
    side = "server" if event.kind == "events_api" else "browser"
    for key, severity in _HASHED_FIELDS[side].items():
        for value in _identity_values(user.get(key)):
            if value.strip() and not SHA256_HEX.match(value.strip()):
                yield finding(
                    "unhashed-identity",
                    index,
                    event.pixel_code,
                    f"{base}.{key}",
                    f"{base}.{key} is sent in plain text; send its SHA-256 hash instead.",
                    severity=severity,
                )


@event_rule(
    "identity-not-normalised", "medium", "A hashed identity was not normalised first", "parameter"
)
def identity_not_normalised(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The tester's known identity (`--known-identities`) arrived hashed, but hashed from a
    non-normalised form (mixed case or spaces in the email, a phone without E.164 `+` and
    country code). TikTok hashes its own copy normalised, so such hashes never match anyone.

    Fix: trim and lower-case emails; format phones as E.164 (+14155550132) before hashing.
    """
    if not ctx.identities:
        return
    user = event.user if isinstance(event.user, dict) else {}
    base = _user_path(event)
    for key in _IDENTITY_FIELDS:
        for value in _identity_values(user.get(key)):
            for digest, match in ctx.identities.lookup(value):
                if not match.normalised:
                    yield finding(
                        "identity-not-normalised",
                        index,
                        event.pixel_code,
                        f"{base}.{key}",
                        f"{base}.{key} is the {match.algorithm.upper()} of the test {match.kind} "
                        f"hashed '{match.variant}', not normalised; TikTok cannot match it.",
                        digest,
                    )


@event_rule(
    "signal-rejected", "medium", "TikTok's own diagnostics mark a match key invalid", "parameter"
)
def signal_rejected(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The pixel reports TikTok's verdict on each match key in `signal_diagnostic_labels`. A
    label `invalid` means TikTok rejected the value (e.g. `abnormal_types: ["invalid_country"]`
    for a phone number without a country code), so it will not be used for matching.

    Fix: correct the value at its source (for phones: E.164 with country code).
    """
    labels = event.signal_diagnostics if isinstance(event.signal_diagnostics, dict) else {}
    for key, verdict in labels.items():
        if isinstance(verdict, dict) and verdict.get("label") == "invalid":
            abnormal = verdict.get("abnormal_types") or []
            why = f" ({', '.join(map(str, abnormal))})" if abnormal else ""
            yield finding(
                "signal-rejected",
                index,
                event.pixel_code,
                f"signal_diagnostic_labels.{key}",
                f"TikTok marked {key} invalid{why}; fix the value at its source.",
                abnormal or None,
            )
