"""Pattern detectors for personal data in one text field.

Each detector is a small pure function `(field, context) -> list[Hit]`, cheap to skip: it first
checks a fast precondition (an "@", a run of digits, a telling key name) before any regex or
library call, because most fields of a pixel payload hold ids and timestamps, not personal data.
Phone numbers are parsed and validated by `phonenumbers`; national ids by `python-stdnum`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from pixelhelper.domains import split
from pixelhelper.inspect.cards import find_cards
from pixelhelper.inspect.dates import birth_dates, dates
from pixelhelper.inspect.fields import TextField
from pixelhelper.inspect.phones import find_phones


@dataclass(frozen=True, slots=True)
class Hit:
    """A detected value: its category, the raw value, and what it is."""

    category: str
    value: str
    detail: str = ""
    subcategory: str | None = None


@dataclass(frozen=True)
class Context:
    """Per-event facts detectors need: the default phone region, known page facts."""

    region: str = "US"
    page_health_context: bool = False
    extra: dict[str, str] = field(default_factory=dict)


_KEY_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_KEY_SPLIT = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def _key_words(key: str) -> frozenset[str]:
    return frozenset(_KEY_SPLIT.split(_KEY_CAMEL.sub("_", key).lower()))


def key_words(field_: TextField) -> frozenset[str]:
    """The words of the innermost key, e.g. `phone_number` -> {"phone", "number"}."""
    return _key_words(field_.key)


# --------------------------------------------------------------------------- email

_EMAIL = re.compile(
    r"(?<![\w.+%-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"
)


@lru_cache(maxsize=2048)
def _real_domain(domain: str) -> bool:
    return bool(split(domain).registered)


def detect_email(f: TextField, ctx: Context) -> list[Hit]:
    """Email addresses with a real public suffix (so `logo@2x.png` is not one)."""
    if "@" not in f.text:
        return []
    hits = []
    for match in _EMAIL.finditer(f.text):
        address = match.group(1).rstrip(".")
        local, _, domain = address.rpartition("@")
        if local.startswith(".") or ".." in local or not _real_domain(domain.lower()):
            continue
        hits.append(Hit("email", address, "email address"))
    return hits


# --------------------------------------------------------------------------- phone

_DIGIT_RUN = re.compile(r"\d{3}")
_ANY_DIGIT = re.compile(r"\d")
_DIGIT_PAIR = re.compile(r"\d\d")
_LETTERS = re.compile(r"[A-Za-z]{3}")
_PHONE_KEYS = {"phone", "tel", "telephone", "mobile", "cell", "cellphone", "fax", "whatsapp",
               "sms", "msisdn", "mdn", "phonenumber", "telefon", "telefono", "telefone", "handy",
               "portable", "gsm", "viber", "landline"}  # fmt: skip
_PHONE_HINT = re.compile(r"\d[\d\s().\-/]{5,}\d")  # a digit run a phone number could fill


def _phone_keyed(f: TextField) -> bool:
    words = key_words(f)
    return bool(words & _PHONE_KEYS) or any(p in _PHONE_KEYS for p in f.parents[-2:])


def detect_phone(f: TextField, ctx: Context) -> list[Hit]:
    """Phone numbers, international anywhere, national where key or words say phone (see
    `phones`), in the formats of every country `phonenumbers` knows."""
    if not _PHONE_HINT.search(f.text):
        return []
    preferred = tuple(dict.fromkeys(r for r in (ctx.region, "US") if r))
    return [
        Hit("phone", raw, "phone number") for raw in find_phones(f.text, _phone_keyed(f), preferred)
    ]


# --------------------------------------------------------------------------- cards

_ID_KEYS = {"id", "ids", "order", "sku", "event", "message", "session", "transaction", "invoice",
            "tracking", "content", "product", "item", "external", "ref", "reference"}  # fmt: skip
_CARD_KEYS = {"card", "cc", "ccn", "pan", "cardnumber", "creditcard", "debitcard"}


def detect_card(f: TextField, ctx: Context) -> list[Hit]:
    """Payment card numbers (see `cards`): any issuer after a card word, known issuers
    elsewhere; a Luhn check always."""
    text = f.text
    if len(text) < 12 or not _DIGIT_RUN.search(text):  # every card has a run of 3+ digits
        return []
    words = key_words(f)
    hits = find_cards(text, keyed=bool(words & _CARD_KEYS), id_key=bool(words & _ID_KEYS))
    return [Hit("card_number", raw, detail) for raw, detail in hits]


# --------------------------------------------------------------------------- national ids

_SSN = re.compile(r"(?<![\w-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\w-])")
_SSN_PLAIN = re.compile(r"(?<!\w)(\d{9})(?!\w)")
_SSN_KEYS = {"ssn", "social", "sin", "tin", "taxpayer", "itin"}
_CPF = re.compile(r"(?<![\w.])(\d{3}\.\d{3}\.\d{3}-\d{2})(?![\w-])")
_NINO = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])"
    r"(?![A-Za-z0-9])"
)
_NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def _valid_ssn(number: str) -> bool:
    from stdnum.us import ssn  # loaded by the first SSN-shaped text, not by every audit

    return bool(ssn.is_valid(number))


def _valid_cpf(number: str) -> bool:
    from stdnum.br import cpf

    return bool(cpf.is_valid(number))


def detect_national_id(f: TextField, ctx: Context) -> list[Hit]:
    """US SSN (formatted, or 9 digits under an ssn key), Brazilian CPF, UK National Insurance."""
    text = f.text
    if len(text) < 9 or not _DIGIT_PAIR.search(text):  # every id here has 9+ chars, 2+ digits
        return []
    hits = []
    formatted_ssn = _DIGIT_RUN.search(text) is not None and ("-" in text or " " in text)
    for match in _SSN.finditer(text) if formatted_ssn else ():
        value = match.group(0)
        if _valid_ssn("".join(match.groups())):
            hits.append(Hit("national_id", value, "US Social Security number"))
    if key_words(f) & _SSN_KEYS:
        for match in _SSN_PLAIN.finditer(text):
            if _valid_ssn(match.group(1)):
                hits.append(Hit("national_id", match.group(1), "US Social Security number"))
    for match in _CPF.finditer(text) if "." in text and "-" in text else ():
        if _valid_cpf(match.group(1)):
            hits.append(Hit("national_id", match.group(1), "Brazilian CPF number"))
    for match in _NINO.finditer(text):
        value = match.group(1)
        if value[:2] not in _NINO_BAD_PREFIX and (" " in value or key_words(f) & {"nino", "ni"}):
            hits.append(Hit("national_id", value, "UK National Insurance number"))
    return hits


# --------------------------------------------------------------------------- lower severity

_NAME_KEYS = {"first_name", "last_name", "firstname", "lastname", "full_name", "fullname",
              "surname", "given_name", "family_name", "fn", "ln", "middle_name", "customer_name",
              "billing_name", "shipping_name", "contact_name", "person_name"}  # fmt: skip
_NAME_PARENTS = {"user", "customer", "billing", "shipping", "contact", "person", "buyer"}
_NAME_VALUE = re.compile(r"^[^\W\d_][^\W\d_'.\- ]*(?:[ '.\-][^\W\d_]+){0,3}\.?$")
_DOB_KEYS = {"dob", "birthdate", "birthday", "date_of_birth", "birth_date", "dateofbirth", "db",
             "bday"}  # fmt: skip
_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
    r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d\d|(?:19|20)\d{6})\b"
)
_ADDRESS_KEYS = {"address", "street", "address1", "address2", "address_line1", "address_line_1",
                 "street_address", "addr", "line1", "address_line2"}  # fmt: skip
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard"
    r"|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq)"
    r"\b\.?"
)
_LAT_KEYS = {"lat", "latitude", "lng", "lon", "long", "longitude"}
_COORD = re.compile(r"^-?\d{1,3}\.(\d+)$")
_COORD_PAIR = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{4,}),\s*(-?\d{1,3}\.\d{4,})(?![\d.])")
_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?![\d.])")
_LOCAL_NETS = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16", "255.255.255.255/32")
)  # fmt: skip
_IP_KEYS = {"ip", "ip_address", "ipaddress", "client_ip", "remote_addr", "x_forwarded_for", "ipv6",
            "ipv4", "forwarded", "real_ip"}  # fmt: skip


def detect_person_name(f: TextField, ctx: Context) -> list[Hit]:
    """Plaintext person names under name keys (not hashes, not product names)."""
    key = f.key
    if key not in _NAME_KEYS and not (key == "name" and set(f.parents[:-1]) & _NAME_PARENTS):
        return []
    value = f.text.strip()
    if 1 < len(value) <= 60 and _NAME_VALUE.match(value):
        return [Hit("person_name", value, "person name")]
    return []


def detect_date_of_birth(f: TextField, ctx: Context) -> list[Hit]:
    """Dates under birth-date keys, and dates a birth word announces in free text."""
    keyed = f.key in _DOB_KEYS or bool({"birth", "dob", "birthday"} & key_words(f))
    found = dates(f.text)[:1] if keyed else birth_dates(f.text)
    return [Hit("date_of_birth", value, "date of birth") for value in found]


def detect_street_address(f: TextField, ctx: Context) -> list[Hit]:
    """Street addresses: a house number and a street type, or text under an address key."""
    if f.key in _ADDRESS_KEYS and _LETTERS.search(f.text):
        return [Hit("street_address", f.text.strip(), "street address")]
    if " " not in f.text:
        return []
    match = _STREET.search(f.text)
    return [Hit("street_address", match.group(0), "street address")] if match else []


def detect_precise_location(f: TextField, ctx: Context) -> list[Hit]:
    """Coordinates precise to about 100 m or better."""
    if f.key in _LAT_KEYS:
        match = _COORD.match(f.text.strip())
        if match and len(match.group(1)) >= 3:
            return [Hit("precise_location", f.text.strip(), "geographic coordinate")]
        return []
    if "." not in f.text or "," not in f.text:
        return []
    match = _COORD_PAIR.search(f.text)
    if match and abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180:
        return [Hit("precise_location", match.group(0), "latitude/longitude pair")]
    return []


def detect_ip_address(f: TextField, ctx: Context) -> list[Hit]:
    """IP addresses in payload values (IPv4 anywhere, IPv6 under ip keys)."""
    keyed = f.key in _IP_KEYS or "ip" in key_words(f)
    if "version" in f.key:
        return []
    hits = []
    if "." in f.text:
        for match in _IPV4.finditer(f.text):
            try:
                address = ipaddress.ip_address(match.group(1))
            except ValueError:
                continue
            if keyed or not any(address in net for net in _LOCAL_NETS):
                hits.append(Hit("ip_address", match.group(1), "IP address"))
    if keyed and ":" in f.text:
        try:
            ipaddress.IPv6Address(f.text.strip())
            hits.append(Hit("ip_address", f.text.strip(), "IP address"))
        except ValueError:
            pass
    return hits


Detector = Callable[[TextField, Context], list[Hit]]
# Detectors that can only fire on text holding a digit; the caller checks that once per field.
DIGIT_DETECTORS: tuple[Detector, ...] = (
    detect_phone,
    detect_card,
    detect_national_id,
    detect_date_of_birth,
    detect_street_address,
    detect_precise_location,
    detect_ip_address,
)
TEXT_DETECTORS: tuple[Detector, ...] = (detect_email, detect_person_name)
PATTERN_DETECTORS: tuple[Detector, ...] = TEXT_DETECTORS + DIGIT_DETECTORS


def pattern_hits(field_: TextField, ctx: Context) -> list[Hit]:
    """Every pattern detector's hits on one field, skipping digit detectors on digit-free text."""
    hits: list[Hit] = []
    for detector in TEXT_DETECTORS:
        hits.extend(detector(field_, ctx))
    if len(field_.text) >= 5 and _ANY_DIGIT.search(field_.text):
        for detector in DIGIT_DETECTORS:
            hits.extend(detector(field_, ctx))
    return hits
