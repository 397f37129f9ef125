"""The rule ids of the sensitive-data detectors, registered for `pixelhelper rules` and SARIF.

The detectors themselves live in `inspect.sensitive`; their descriptors are here so listing the
rules never loads the detectors' lexicons, patterns and phone metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.registry import describe

if TYPE_CHECKING:
    from pixelhelper.severity import Severity

WHY: dict[str, str] = {
    "email": "An email address identifies the visitor directly; TikTok receives it in plain text.",
    "phone": "A phone number identifies the visitor directly; TikTok receives it in plain text.",
    "card_number": "A payment card number must never leave the checkout (PCI DSS).",
    "national_id": "A national identification number is highly sensitive personal data.",
    "person_name": "A person's name identifies the visitor.",
    "date_of_birth": "A date of birth, combined with other data, identifies the visitor.",
    "street_address": "A street address identifies where the visitor lives.",
    "precise_location": "Precise coordinates reveal where the visitor is.",
    "ip_address": "An IP address in the payload is personal data under GDPR and CCPA.",
    "health": "Health information shared with an ad platform can breach HIPAA, the FTC Health "
    "Breach Notification Rule and GDPR Art. 9.",
    "hashed_identity": "Hashing does not anonymise: TikTok matches the hash to the person.",
}
_DESCRIPTORS: dict[str, tuple[Severity, str]] = {
    "email": ("high", "Email address sent to TikTok"),
    "phone": ("high", "Phone number sent to TikTok"),
    "card_number": ("critical", "Payment card number sent to TikTok"),
    "national_id": ("critical", "National identification number sent to TikTok"),
    "health": ("critical", "Health information sent to TikTok"),
    "hashed_identity": ("high", "A known test identity reached TikTok (hashed)"),
    "person_name": ("low", "Person name sent to TikTok"),
    "date_of_birth": ("medium", "Date of birth sent to TikTok"),
    "street_address": ("medium", "Street address sent to TikTok"),
    "precise_location": ("medium", "Precise location sent to TikTok"),
    "ip_address": ("low", "IP address inside the payload"),
}
# Where a category's severity depends on the field it was found in, in words (the severity a
# rule is listed with is the worst it gives).
_SEVERITY_NOTES = {
    "health": "Critical on a clicked element or in an event name; high in URLs, titles and "
    "parameters; medium in page metadata (Open Graph, JSON-LD, microdata).",
    "hashed_identity": "High outside advanced matching; medium inside it (hashed matching is "
    "the intended use, but it proves the identity reached TikTok).",
    "ip_address": "Low in the payload; info where the Events API expects it (user.ip, context.ip).",
}
for _category, (_severity_, _summary) in _DESCRIPTORS.items():
    _note = _SEVERITY_NOTES.get(_category, f"{_severity_.capitalize()} wherever it is found.")
    describe(
        f"sensitive-{_category.replace('_', '-')}",
        _severity_,
        _summary,
        f"{_summary}. {WHY.get(_category, '')} {_note} The finding's location names the "
        "field.\n\nFix: stop the value from "
        "reaching the pixel: remove it from URLs (use POST forms), from event parameters and "
        "from elements the pixel auto-collects, or exclude those pages from the pixel.",
        "sensitive",
    )
