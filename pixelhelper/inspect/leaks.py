"""Find a test identity in pixel traffic under any encoding (the Leaky Forms method).

A site can send what a visitor typed as typed, trimmed, lower- or upper-cased, as E.164 or
bare digits, URL-encoded once or twice, in base64 or hex, hashed with any common algorithm
(hex in either case, or base64 of the digest), a hash of a hash, and inside JSON or a query
string nested in another encoding. Every candidate token of every identity value (a few
thousand strings) is precomputed into one Aho-Corasick automaton (pyahocorasick), and each
decoded layer of a request is scanned once: the cost is linear in the text, whatever the
number of identities. Decoding is bounded in depth (`MAX_LAYERS`) and size (`MAX_LAYER`).

A match carries its `encoding`: the chain from the value as typed to what was on the wire,
innermost first, outermost last (`["lowercase", "sha256"]`, `["base64", "json"]`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus

import ahocorasick

from pixelhelper.redact.masking import b64_text

HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256")
MAX_LAYERS = 3
MAX_LAYER = 2 * 1024 * 1024  # characters of one decoded layer that are scanned
MIN_TOKEN = 4  # shorter candidates (a 3-letter city) would match everywhere
CATEGORIES = {
    "email": "email", "phone": "phone", "first_name": "name", "last_name": "name",
    "full_name": "name", "street": "address", "city": "address", "postal_code": "postal_code",
    "date_of_birth": "date_of_birth",
}  # fmt: skip
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){6,}")


@dataclass(frozen=True)
class Leak:
    """One identity value found in one text."""

    field: str  # the identity's field: email, phone, first_name, ...
    category: str  # email, phone, name, address, postal_code, date_of_birth
    encoding: tuple[str, ...]  # innermost first
    hashed: bool


def _digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


def normalisations(field: str, value: str, region: str = "US") -> dict[str, str]:
    """The forms a site may send `value` in before encoding it, by the name of the change."""
    forms = {"as-typed": value, "trimmed": value.strip(), "lowercase": value.strip().lower(),
             "uppercase": value.strip().upper()}  # fmt: skip
    if field == "phone":
        digits = re.sub(r"\D", "", value)
        forms["digits"] = digits
        import phonenumbers  # only with a phone to look for

        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None  # not a number phonenumbers reads: the other forms only
        if number is not None:
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            forms["e164"] = e164
            forms["e164-without-plus"] = e164.lstrip("+")
            forms["national"] = str(number.national_number)
    if field == "date_of_birth":
        forms["digits"] = re.sub(r"\D", "", value)
    out: dict[str, str] = {}
    for name, text in forms.items():  # the same text once, under its first (simplest) name
        if len(text) >= MIN_TOKEN and text not in out.values():
            out[name] = text
    return out


def _encodings(text: str) -> Iterator[tuple[str, str]]:
    """(encoding, token) for the reversible encodings of `text`."""
    data = text.encode("utf-8")
    once = quote(text, safe="")
    yield "urlencode", once
    yield "urlencode", quote_plus(text, safe="")
    yield "urlencode-twice", quote(once, safe="")
    std = base64.b64encode(data).decode("ascii")
    yield "base64", std
    yield "base64", std.rstrip("=")
    safe = base64.urlsafe_b64encode(data).decode("ascii")
    yield "base64url", safe
    yield "base64url", safe.rstrip("=")
    yield "hex", data.hex()
    yield "hex", data.hex().upper()


def _hashed(data: bytes) -> Iterator[tuple[str, bytes]]:
    for name in HASHES:
        yield name, _digest(name, data)


def _digest_forms(digest: bytes) -> Iterator[tuple[str | None, str]]:
    """A digest as sites write it: hex in either case, or base64 (None: hex)."""
    hexed = digest.hex()
    yield None, hexed
    yield None, hexed.upper()
    encoded = base64.b64encode(digest).decode("ascii")
    yield "base64", encoded
    yield "base64", encoded.rstrip("=")


class LeakMatcher:
    """Every candidate token of some identity values, and the scan of decoded layers.

    Args:
        values: Identity field -> the value typed (`{"email": "zoe@example.com", ...}`).
        region: For national phone numbers.
        kinds: For values under other names (the known identities, by themselves): the kind of
            each (`email`, `phone`), which decides its normalisations and category.
    """

    def __init__(
        self, values: dict[str, str], region: str = "US", kinds: dict[str, str] | None = None
    ) -> None:
        automaton = ahocorasick.Automaton()
        count = 0
        self._values = {f: v.strip().lower() for f, v in values.items() if v}
        self._given = {f: v for f, v in values.items() if v}
        self._kinds = kinds or {}
        for field, value in values.items():
            kind = self._kinds.get(field, field)
            if not value or kind not in CATEGORIES:
                continue
            for token, chain, hashed in self._tokens(kind, value, region):
                if len(token) >= MIN_TOKEN and token not in automaton:
                    automaton.add_word(token, (field, chain, hashed))
                    count += 1
        if count:
            automaton.make_automaton()
        self._automaton = automaton
        self.size = count

    def __bool__(self) -> bool:
        return self.size > 0

    def value_of(self, field: str) -> str:
        """The value of an identity field as it was given."""
        return self._given.get(field, "")

    @staticmethod
    def _tokens(field: str, value: str, region: str) -> Iterator[tuple[str, tuple[str, ...], bool]]:
        forms = normalisations(field, value, region)
        # what advertisers hash (trimmed lower case, E.164, digits): hashed twice too
        canonical = {value.strip().lower(), forms.get("e164"), forms.get("digits")}
        for norm, text in forms.items():
            base: tuple[str, ...] = () if norm == "as-typed" else (norm,)
            yield text, base, False
            for name, token in _encodings(text):
                yield token, (*base, name), False
            for first, digest in _hashed(text.encode("utf-8")):
                for shown, token in _digest_forms(digest):
                    yield token, (*base, first, *([shown] if shown else [])), True
                if text not in canonical:
                    continue
                hexed = digest.hex()
                for second, twice in _hashed(hexed.encode("ascii")):  # a hash of a hash
                    for shown, token in _digest_forms(twice):
                        yield token, (*base, first, second, *([shown] if shown else [])), True

    # ------------------------------------------------------------------ scanning

    def scan(self, text: str) -> list[Leak]:
        """Every identity field found in `text` or in what it decodes to, once, with the most
        detailed chain it was found under (the JSON inside the base64, not the base64 alone)."""
        found: dict[str, Leak] = {}
        if self.size:
            for leak in self._layers(text, (), 0):
                known = found.get(leak.field)
                if known is None or len(leak.encoding) > len(known.encoding):
                    found[leak.field] = leak
        return [leak for leak in found.values() if not self._part_of_another(leak, found)]

    def _part_of_another(self, leak: Leak, found: dict[str, Leak]) -> bool:
        """A name found only where the email holding it was found is the email's leak, not a
        second one (`zoe.quinn@...` holds `quinn`, in base64 too when the bytes align)."""
        mine = self._values.get(leak.field, "")
        return any(
            other != leak.field and mine and mine in self._values.get(other, "") for other in found
        )

    def _hits(self, text: str, outer: tuple[str, ...]) -> Iterator[Leak]:
        # leftmost-longest: a first name inside the email it is part of is not a second leak
        for _end, (field, chain, hashed) in self._automaton.iter_long(text[:MAX_LAYER]):
            yield Leak(field, CATEGORIES[self._kinds.get(field, field)], (*chain, *outer), hashed)

    def _layers(self, text: str, outer: tuple[str, ...], depth: int) -> Iterator[Leak]:
        yield from self._hits(text, outer)
        if depth >= MAX_LAYERS:
            return
        for name, inner in _decoded(text[:MAX_LAYER]):
            yield from self._layers(inner, (name, *outer), depth + 1)


def _decoded(text: str) -> Iterable[tuple[str, str]]:
    """The layers `text` may hide: its URL-decoding, the values of a query string or of JSON,
    and the base64 and hex runs that decode to text."""
    if "%" in text or "+" in text:
        decoded = unquote_plus(text)
        if decoded != text:
            yield "urlencode", decoded
    stripped = text.strip()
    if stripped[:1] in ("{", "[") and len(stripped) <= MAX_LAYER:
        try:
            document = json.loads(stripped)
        except ValueError:
            document = None
        if document is not None:
            yield from (("json", value) for value in _json_strings(document))
    if "=" in text and "&" in text or text.count("=") == 1 and "?" in text:
        query = text.split("?", 1)[1] if "?" in text else text
        yield from (("query", value) for _key, value in parse_qsl(query) if value)
    for run in _B64_RUN.findall(text):
        if run.islower() or run.isupper():
            continue  # base64 of text mixes cases; a slug, a word or a hex id does not
        decoded_text = b64_text(run)  # the masker's: both alphabets, hex left alone
        if decoded_text is not None and decoded_text.isprintable():
            yield "base64", decoded_text
    for run in _HEX_RUN.findall(text):
        try:
            yield "hex", bytes.fromhex(run).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue


def _json_strings(node: object, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _json_strings(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value, depth + 1)
