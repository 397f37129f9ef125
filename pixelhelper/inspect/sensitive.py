"""Turn detector hits into findings: category, severity, location and a message saying why.

Severity mapping (documented in the README):

| category | severity |
|---|---|
| `card_number`, `national_id` | critical |
| `health` | critical on a clicked element or in an event name; high in URLs, titles and parameters; medium in page metadata (Open Graph, JSON-LD, microdata) |
| `email`, `phone` | high |
| `hashed_identity` | high outside advanced matching; medium inside it (hashed matching is the intended use, but it proves the identity reached TikTok) |
| `date_of_birth`, `street_address`, `precise_location` | medium |
| `person_name`, `ip_address` | low (`ip_address` is info where the Events API expects it: `user.ip`, `context.ip`) |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from pixelhelper.inspect.detectors import Context, Hit, detect_email, pattern_hits
from pixelhelper.inspect.fields import TextField, event_fields
from pixelhelper.inspect.health import HealthHit, Lexicon, default_lexicon
from pixelhelper.inspect.identities import IdentityMatch, KnownIdentities
from pixelhelper.inspect.rules import describe
from pixelhelper.models import Finding, PixelEvent, Severity
from pixelhelper.redact import mask

_WHY: dict[str, str] = {
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
_EXPECTED_IP_LOCATIONS = {"user.ip", "context.ip"}
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
for _category, (_severity_, _summary) in _DESCRIPTORS.items():
    describe(
        f"sensitive-{_category.replace('_', '-')}",
        _severity_,
        _summary,
        f"{_summary}. {_WHY.get(_category, '')} Severity depends on where it is found (see the "
        "README's table); the finding's location names the field.\n\nFix: stop the value from "
        "reaching the pixel: remove it from URLs (use POST forms), from event parameters and "
        "from elements the pixel auto-collects, or exclude those pages from the pixel.",
        "sensitive",
    )
_CC_REGION = {"uk": "GB"}
_CACHE_LIMIT = 50_000


def region_for(event: PixelEvent, default: str | None) -> str:
    """Explicit region, else the page's country-code TLD, else US."""
    if default:
        return default.upper()
    host = urlsplit(event.page_url or "").hostname or ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) == 2 and tld.isalpha():
        return _CC_REGION.get(tld, tld.upper())
    return "US"


@lru_cache(maxsize=4096)
def _url_path_words(url: str) -> str:
    return urlsplit(url).path.replace("/", " ")


def _page_text(event: PixelEvent) -> str:
    parts = [_url_path_words(event.page_url or "")]
    metadata = event.action.metadata if event.action and event.action.metadata else {}
    meta = metadata.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("title"), str):
        parts.append(meta["title"])
    return " ".join(parts)


def _health_severity(field: TextField) -> Severity:
    location = field.location
    if "trigger_element" in location or location in ("event", "action"):
        return "critical"
    if "content_data" in location:
        return "medium"
    return "high"


def _severity(hit: Hit, field: TextField) -> Severity:
    category = hit.category
    if category in ("card_number", "national_id"):
        return "critical"
    if category in ("email", "phone"):
        return "high"
    if category in ("date_of_birth", "street_address", "precise_location"):
        return "medium"
    if category == "ip_address":
        return "info" if field.location in _EXPECTED_IP_LOCATIONS else "low"
    return "low"


def _in_advanced_matching(field: TextField) -> bool:
    return field.location.startswith(("context.user.", "user.")) or "user" in field.parents[:1]


_FieldHits = tuple[list[Hit], list[HealthHit], list[tuple[str, IdentityMatch]]]


class SensitiveDataDetector:
    """All sensitive-data detectors over one event."""

    def __init__(
        self,
        region: str | None = None,
        identities: KnownIdentities | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.region = region
        self.identities = identities
        self.lexicon = lexicon or default_lexicon()
        self._cache: dict[tuple[object, ...], _FieldHits] = {}
        self._page_context: dict[str, bool] = {}

    def findings(self, index: int | None, event: PixelEvent) -> list[Finding]:
        """Sensitive-data findings of one event, one per (category, location, value)."""
        page_text = _page_text(event)
        page_context = self._page_context.get(page_text)
        if page_context is None:
            page_context = self.lexicon.has_context(page_text)
            if len(self._page_context) >= _CACHE_LIMIT:
                self._page_context.clear()
            self._page_context[page_text] = page_context
        ctx = Context(region=region_for(event, self.region), page_health_context=page_context)
        out: dict[tuple[str, str, str], Finding] = {}
        for field in event_fields(event):
            hits, health, identity = self._hits(field, ctx)
            if not (hits or health or identity):
                continue  # the common case: nothing in this field
            for finding in self.field_findings(index, event, field, ctx):
                out.setdefault((finding.category, finding.location, finding.value or ""), finding)
        return list(out.values())

    def _hits(self, field: TextField, ctx: Context) -> _FieldHits:
        """Detector results for a field, memoised: real sessions repeat the same page URLs,
        titles, product names and parameter values in hit after hit."""
        key = (field.text, field.key, field.parents, field.sdk, ctx.region, ctx.page_health_context)
        cached = self._cache.get(key)
        if cached is None and field.sdk:
            cached = (detect_email(field, ctx), [], [])  # SDK-generated: only an email can hide
        elif cached is None:
            cached = (
                pattern_hits(field, ctx),
                self.lexicon.find(field.text, ctx.page_health_context),
                self.identities.lookup(field.text) if self.identities else [],
            )
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def field_findings(
        self, index: int | None, event: PixelEvent, field: TextField, ctx: Context
    ) -> Iterable[Finding]:
        """Findings in a single text field."""
        hits, health_hits, identity_hits = self._hits(field, ctx)
        common = {"event": index, "type": "sensitive", "location": field.location,
                  "carrier": field.carrier, "pixel_code": event.pixel_code}  # fmt: skip
        for hit in hits:
            yield Finding(
                **common,
                rule=f"sensitive-{hit.category.replace('_', '-')}",
                category=hit.category,
                severity=_severity(hit, field),
                value=hit.value,
                message=f"{hit.detail.capitalize()} sent to TikTok. {_WHY[hit.category]}",
            )
        for health in health_hits:
            label = self.lexicon.labels.get(health.subcategory, health.subcategory)
            yield Finding(
                **common,
                rule="sensitive-health",
                category="health",
                subcategory=health.subcategory,
                severity=_health_severity(field),
                value=health.matched,
                message=f"Health term '{health.term}' ({label}) sent to TikTok. Health "
                "information shared with an ad platform can breach HIPAA, the FTC Health Breach "
                "Notification Rule and GDPR Art. 9.",
            )
        for digest, match in identity_hits:
            yield Finding(
                **common,
                rule="sensitive-hashed-identity",
                category="hashed_identity",
                severity="medium" if _in_advanced_matching(field) else "high",
                value=digest,
                message=f"{match.algorithm.upper()} of known test {match.kind} "
                f"{mask(match.identity, match.kind)} ({match.variant}): this identity "
                "reached TikTok.",
            )
