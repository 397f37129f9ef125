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

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pixelhelper.domains import split
from pixelhelper.inspect.detectors import Context, Hit, detect_email, pattern_hits
from pixelhelper.inspect.fields import TextField, event_fields
from pixelhelper.inspect.health import HealthHit, Lexicon, SiteFacts, default_lexicon
from pixelhelper.inspect.identities import IdentityMatch, KnownIdentities
from pixelhelper.inspect.rules.sensitive import WHY as _WHY
from pixelhelper.models import Finding, PixelEvent, Severity
from pixelhelper.redact import mask

_EXPECTED_IP_LOCATIONS = {"user.ip", "context.ip"}
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


_MEDICAL_SCHEMAS = frozenset(
    {"medicalorganization", "hospital", "physician", "pharmacy", "medicalclinic", "dentist",
     "healthinsuranceplan", "medicalbusiness", "diagnosticlab", "optician", "medicalwebpage",
     "drug", "medicalcondition", "medicaltherapy", "medicalprocedure", "healthandbeautybusiness"}
)  # fmt: skip
_META_KEYS = ("og:title", "og:site_name", "og:description", "description", "title")
# Where site context makes words health information: what the site and the visitor did.
_SITE_FIELD = re.compile(
    r"^(?:event|action|properties\.(?!value$|currency$|price$|quantity$)[^\[]*"
    r"|properties\.contents\[\d+\]\.content_(?:name|category)"
    r"|auto_collected_properties\.trigger_element\.(?:inner_text|attributes\.(?:id|name|value"
    r"|aria-label|title|href))|context\.page\.url|page\.url|page_url)$"
)
_PRODUCT_FIELD = re.compile(r"(?:^|\.)content_(?:name|category)$|^properties\.description$")


def _metadata(event: PixelEvent) -> dict[str, Any]:
    return event.action.metadata if event.action and event.action.metadata else {}


def _meta_texts(metadata: dict[str, Any]) -> list[str]:
    texts = []
    for section in ("meta", "open_graph"):
        node = metadata.get(section)
        if isinstance(node, dict):
            texts += [node[k] for k in _META_KEYS if isinstance(node.get(k), str)]
    return texts


def _site_name(metadata: dict[str, Any]) -> str:
    graph = metadata.get("open_graph")
    name = graph.get("og:site_name") if isinstance(graph, dict) else None
    return name if isinstance(name, str) else ""


def _schema_types(metadata: dict[str, Any]) -> set[str]:
    types: set[str] = set()
    items = metadata.get("json_ld")
    for item in items if isinstance(items, list) else [items]:
        kind = item.get("@type") if isinstance(item, dict) else None
        for name in kind if isinstance(kind, list) else [kind]:
            if isinstance(name, str):
                types.add(name.lower())
    return types


def _page_text(event: PixelEvent) -> str:
    return " ".join([_url_path_words(event.page_url or ""), *_meta_texts(_metadata(event))])


def _host(event: PixelEvent) -> str:
    try:
        return (urlsplit(event.page_url or "").hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _page_location(event: PixelEvent) -> str:
    if event.payload is None:
        return "page_url"
    return "page.url" if event.kind == "events_api" else "context.page.url"


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
        self._sites: dict[str, SiteFacts] = {}

    def findings(
        self, index: int | None, event: PixelEvent, fields: list[TextField] | None = None
    ) -> list[Finding]:
        """Sensitive-data findings of one event, one per (category, location, value);
        `fields`: the event's `event_fields`, when the caller has them already."""
        site = self._site(event)
        page_text = _page_text(event)
        page_context = self._page_context.get(page_text)
        if page_context is None:
            page_context = self.lexicon.has_context(page_text)
            if len(self._page_context) >= _CACHE_LIMIT:
                self._page_context.clear()
            self._page_context[page_text] = page_context
        ctx = Context(
            region=region_for(event, self.region), page_health_context=page_context or site.health
        )
        out: dict[tuple[str, str, str], Finding] = {}
        health_fields: set[str] = set()
        site_fields: list[TextField] = []
        for field in event_fields(event) if fields is None else fields:
            hits, health, identity = self._hits(field, ctx)
            if health:
                health_fields.add(field.location)
            elif site.health and not field.sdk and _SITE_FIELD.match(field.location):
                site_fields.append(field)
            if not (hits or health or identity):
                continue  # the common case: nothing in this field
            for finding in self.field_findings(index, event, field, ctx):
                out.setdefault((finding.category, finding.location, finding.value or ""), finding)
        for finding in self._site_findings(index, event, site, site_fields, health_fields):
            out.setdefault((finding.category, finding.location, finding.value or ""), finding)
        return list(out.values())

    def _site(self, event: PixelEvent) -> SiteFacts:
        """What the page's host says about the site; a host whose own metadata (title, Open
        Graph, a schema.org medical type) says health is remembered for its later events."""
        host = _host(event)
        if not host:
            return SiteFacts()
        facts = self._sites.get(host)
        if facts is None:
            parts = split(host)
            registered = parts.registered if parts.suffix else host
            facts = self.lexicon.site(host, registered, parts.domain or host)
            if len(self._sites) >= _CACHE_LIMIT:
                self._sites.clear()
            self._sites[host] = facts
        metadata = _metadata(event)
        if not facts.health and metadata:
            # the site describing itself (a schema.org medical type, a site name that says
            # clinic, pharmacy, health...): not one health product among others in a shop
            medical = bool(_schema_types(metadata) & _MEDICAL_SCHEMAS)
            if medical or self.lexicon.has_context(_site_name(metadata)):
                facts = SiteFacts(True, "care_seeking", facts.hits)
                self._sites[host] = facts
        return facts

    def _site_findings(
        self,
        index: int | None,
        event: PixelEvent,
        site: SiteFacts,
        fields: list[TextField],
        already: set[str],
    ) -> Iterable[Finding]:
        """Findings a health site adds: its own name (every event from it reveals the care the
        visitor sought) and the appointment, intake, portal and product words sent from it."""
        label = self.lexicon.labels.get(site.subcategory or "", "health care")
        for hit in site.hits:
            yield Finding(
                event=index, type="sensitive", rule="sensitive-health", category="health",
                subcategory=hit.subcategory, severity="high", location=_page_location(event),
                value=hit.matched, carrier=event.page_url, pixel_code=event.pixel_code,
                message=f"The site's own name ({hit.term}) says it provides "
                f"{self.lexicon.labels.get(hit.subcategory, hit.subcategory).lower()}: every "
                "event it sends tells TikTok the visitor sought that care.",
            )  # fmt: skip
        for field in fields:
            if field.location in already:
                continue
            word = self.lexicon.site_word(field.text)
            if word is None and _PRODUCT_FIELD.search(field.location) and field.text.strip():
                word = field.text.strip()
            if word is None:
                continue
            already.add(field.location)
            yield Finding(
                event=index, type="sensitive", rule="sensitive-health", category="health",
                subcategory=site.subcategory or "care_seeking",
                severity="medium" if "content_data" in field.location else "high",
                location=field.location, value=field.text.strip(), carrier=field.carrier,
                pixel_code=event.pixel_code,
                message=f"'{word}' on a {label.lower()} site is health information: it tells "
                "TikTok what care the visitor sought there (HIPAA, the FTC Health Breach "
                "Notification Rule, GDPR Art. 9).",
            )  # fmt: skip

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
                message=f"{hit.detail[:1].upper()}{hit.detail[1:]} sent to TikTok. "
                f"{_WHY[hit.category]}",
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
