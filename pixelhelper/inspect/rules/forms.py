"""`form-data-leak`: a value the visitor typed into a form (the test identity `scan --fill`
typed, or `--identity FILE`) reached a pixel, under whatever encoding (`inspect.leaks`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.registry import describe

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.inspect.fields import TextField
    from pixelhelper.inspect.leaks import Leak, LeakMatcher
    from pixelhelper.models import Finding, PixelEvent

describe(
    "form-data-leak",
    "critical",
    "A value typed into a form reached the pixel",
    "A value typed into a form field (an email, a phone number, a name, an address, a postal "
    "code, a date of birth) was found in a request to TikTok: as typed, normalised, encoded "
    "(URL, base64, hex), hashed (md5, sha1, sha2, sha3, a hash of a hash) or nested in JSON or "
    "a query string; the finding's `encoding` says how, innermost first. Critical when the "
    "value travels unhashed, high when hashed (a hash of an email still identifies the "
    "visitor: advertisers match on it). `stage` says whether it left while the visitor was "
    "typing (before any submit: automatic advanced matching, a blur listener) or after the "
    "form was submitted.\n\nFix: do not let form values reach the pixel: turn off automatic "
    "advanced matching on forms that hold health, finance or children's data, and never copy "
    "field values into event parameters, URLs or custom properties.",
    "sensitive",
)

_WORDS = {
    "email": "email", "phone": "phone number", "first_name": "first name",
    "last_name": "last name", "full_name": "name", "street": "street address", "city": "city",
    "postal_code": "postal code", "date_of_birth": "date of birth",
}  # fmt: skip


def describe_chain(encoding: tuple[str, ...]) -> str:
    """`("lowercase", "sha256")` -> `sha256(lowercase)`; `()` -> `as typed`."""
    if not encoding:
        return "as typed"
    text = encoding[0]
    for step in encoding[1:]:
        text = f"{step}({text})"
    return text


def leak_findings(
    index: int | None,
    fields: list[TextField],
    event: PixelEvent,
    matcher: LeakMatcher,
    typed_into: dict[str, str],
    submitted_at: float | None,
) -> Iterator[Finding]:
    """A finding per identity field found in the event's `fields`, at the field it was
    found in."""
    from pixelhelper.inspect.leaks import MIN_TOKEN

    stage = _stage(event, typed_into, submitted_at)
    seen: set[str] = set()
    for text_field in fields:
        if len(text_field.text) < MIN_TOKEN:
            continue  # shorter than any candidate (an id, a flag, a count)
        for leak in matcher.scan(text_field.text):
            if leak.field in seen:
                continue
            seen.add(leak.field)
            yield _finding(index, event, leak, text_field.location, matcher, typed_into, stage,
                           text_field.carrier)  # fmt: skip


def _stage(event: PixelEvent, typed_into: dict[str, str], submitted_at: float | None) -> str | None:
    """typed (before any submit) or submitted; None when nothing says (a plain audit)."""
    if submitted_at is None and not typed_into:
        return None
    typed = submitted_at is None or (event.capture_time or 0) < submitted_at
    return "typed" if typed else "submitted"


def request_leak_findings(
    request: CapturedRequest,
    event: PixelEvent,
    matcher: LeakMatcher,
    typed_into: dict[str, str],
    submitted_at: float | None,
    found: list[Finding],
) -> list[Finding]:
    """Leaks in the request's URL and headers that its event's fields did not show (a Cookie
    the site set from a form, a Referer with the query of a thank-you page)."""
    seen = {f.value for f in found if f.rule == "form-data-leak"}  # each value once a request
    stage = _stage(event, typed_into, submitted_at)
    out: list[Finding] = []
    texts = [("url", request.url)] + [(f"header:{name}", value) for name, value in request.headers]
    for location, text in texts:
        if len(text) < 4:
            continue
        for leak in matcher.scan(text):
            if matcher.value_of(leak.field) in seen:
                continue
            seen.add(matcher.value_of(leak.field))
            out.append(_finding(None, event, leak, location, matcher, typed_into, stage, text))
    return out


def _finding(
    index: int | None,
    event: PixelEvent,
    leak: Leak,
    location: str,
    matcher: LeakMatcher,
    typed_into: dict[str, str],
    stage: str | None,
    carrier: str,
) -> Finding:
    from pixelhelper.models import Finding

    selector = typed_into.get(leak.field) or typed_into.get(_FIELD_OF.get(leak.field, ""))
    what = _WORDS.get(leak.field, leak.field)
    where = f" typed into {selector}" if selector else ""
    when = {"typed": " before the form was submitted", "submitted": " after the form was "
            "submitted"}.get(stage or "", "")  # fmt: skip
    how = describe_chain(leak.encoding)
    return Finding(
        event=index, type="sensitive", rule="form-data-leak", category=leak.category,
        severity="high" if leak.hashed else "critical", location=location,
        value=matcher.value_of(leak.field), carrier=carrier, pixel_code=event.pixel_code,
        message=f"The {what}{where} left as {how} in {location}{when}.",
        stage=stage, encoding=list(leak.encoding), field=selector,
    )  # fmt: skip


_FIELD_OF = {"full_name": "first_name"}


def known_identity_findings(
    index: int | None,
    fields: list[TextField],
    event: PixelEvent,
    matcher: LeakMatcher,
    found: list[Finding],
) -> list[Finding]:
    """`--known-identities` under any encoding: a `sensitive-hashed-identity` finding the hex
    lookup already made gains its `encoding`; one it could not make (base64 of a digest, a hash
    of a hash, base64 of JSON holding the address) is added. A known identity sent as typed is
    the detectors' (an email, a phone number) and is left to them."""
    from pixelhelper.models import Finding
    from pixelhelper.redact import mask

    by_location = {f.location: f for f in found if f.rule == "sensitive-hashed-identity"}
    for text_field in fields:
        for leak in matcher.scan(text_field.text):
            if not leak.encoding or leak.encoding[-1] in ("trimmed", "lowercase", "uppercase"):
                continue  # as typed (or only re-cased): the detectors' finding
            known = by_location.get(text_field.location)
            if known is not None:
                if known.encoding is None:  # not yet recorded: no shared fields set to mind
                    known.encoding = list(leak.encoding)
                continue
            how = describe_chain(leak.encoding)
            shown = mask(matcher.value_of(leak.field), leak.category)
            finding = Finding(
                event=index, type="sensitive", rule="sensitive-hashed-identity",
                category="hashed_identity", severity="high", location=text_field.location,
                value=None, pixel_code=event.pixel_code, encoding=list(leak.encoding),
                message=f"Known test {leak.category} {shown} found as {how} in "
                f"{text_field.location}: this identity reached TikTok.",
            )  # fmt: skip
            by_location[text_field.location] = finding
            found.append(finding)
    return found
