"""Phone numbers in free text and fields, in the formats of every country `phonenumbers` knows.

A digit run is a phone number when the number itself says so (`+32 2 123 45 67`, `0032...`,
`tel:`), or when its context does: the field's key (`phone`, `mobile`, `whatsapp`...), or a
label just before it in one of the languages of the pixel's markets ("Phone:", "Tél.",
"Handy", "call me at", "messages to", "Fax"). National numbers (`02 123 45 67`, `06-20-123-
4567`, `333 123 4567`) are validated against the page's country, `--region`, and then every
country whose numbering plan they fit. What keeps precision is the same context read the other
way: a number right after "order", "tracking", "SKU", "postcode"... is not a phone, and dates,
times, epoch timestamps, prices, IP addresses and barcodes are never candidates.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pixelhelper.inspect.cards import looks_like_card

# Words and phrases that announce a phone number, in the main languages of TikTok's pixel
# markets and a few more; matched case-insensitively on word boundaries.
_STRONG = (
    # English
    r"phone|phones|telephone|tel|tele|ph|mob|mobile|cell|cellphone|cellular|fax|whatsapp"
    r"|whats\s?app|viber|telegram|sms|call|calls|called|calling|ring|dial|hotline|helpline"
    r"|landline|voicemail|msisdn|contact|kontakt|kontaktnummer|text|txt|reach\s+(?:me|us)"
    r"|messages?\s+(?:me|us|to)|ring\s+(?:me|us)|wa\s+me|hp|h/p|telp|natel|đt|điện\s+thoại"
    r"|(?:my|our|your)\s+(?:cell\s+|mobile\s+|phone\s+|whatsapp\s+)?(?:number|no)"
    r"|mon\s+num[ée]ro|mi\s+n[úu]mero|il\s+mio\s+numero|meu\s+n[úu]mero|mijn\s+nummer"
    r"|min\s+nummer|meine\s+nummer|m[óo]j\s+numer|numer\s+telefonu|num[ée]ro\s+de\s+t[ée]l"
    # French, German, Dutch
    r"|t[ée]l[ée]phone|t[ée]l|portable|appel|appelez|appelle[rz]?|joindre|fixe"
    r"|telefon|telefonnummer|handy|handynummer|mobil|mobilnummer|rufnummer|anrufen|ruf"
    r"|erreichbar|durchwahl|r[üu]ckruf|rueckruf|kundenservice|kundendienst|telefoon"
    r"|telefoonnummer|mobiel|gsm|bel|bellen|customer\s+(?:service|care|support)|support"
    r"|helpdesk|help\s+desk|service\s+client|servicio\s+al\s+cliente|assistenza\s+clienti"
    # Spanish, Portuguese, Italian
    r"|tel[ée]fono|m[óo]vil|celular|cel|llama|ll[áa]mame|ll[áa]menos|contacto"
    r"|telefone|telem[óo]vel|tlm|tlf|ligue|liga|ligar|contato|telefono|cellulare|chiama"
    r"|chiamami|chiamare|recapito"
    # Nordic, Finnish, Polish, Hungarian, Czech, Romanian, Greek, Turkish
    r"|tfn|mobiltelefon|puhelin|puh|matkapuhelin|soita|kom[óo]rka|zadzwo[ńn]|dzwo[ńn]"
    r"|telefonsz[áa]m|mobilsz[áa]m|h[íi]vj|telefonn[íi]|mobiln[íi]|volejte|telefonul"
    r"|suna[țt]i|τηλ[έε]φωνο|τηλ|κινητ[όο]|gsm|cep\s?tel"
    # Cyrillic, East Asian, Arabic, Hebrew, Hindi
    r"|телефон|тел|моб|мобильный|звоните|позвоните|電話|携帯|電話番号|전화|휴대폰|연락처|电话"
    r"|手机|联系电话|هاتف|جوال|טלפון|फ़ोन|फोन|मोबाइल"
)
# Short words that label a number only with a colon: "T: +32 2 ...", "Home: 020 ...".
_COLON = r"(?:t|m|p|f|h|w|c|o|home|work|office|direct|line|cell|daytime|evening|main)\s*:"


@cache
def _label() -> re.Pattern[str]:
    """A word that labels a phone number. This and `_not_phone` are compiled on first use,
    for a digit run that could be a phone: most audits never meet one, and the two are
    among the costliest patterns to compile (6 ms of every audit's start)."""
    return re.compile(rf"(?<![^\W\d_])(?:(?:{_STRONG})(?![^\W\d_])\.?|{_COLON})", re.IGNORECASE)


@cache
def _not_phone() -> re.Pattern[str]:
    """A word after which a number is anything but a phone ("order no.", "tracking number")."""
    return re.compile(
        r"(?<![^\W\d_])(?:order|orders|ordine|commande|bestellung|bestellnummer|pedido|encomenda"
        r"|invoice|factura|facture|rechnung|fattura|receipt|ref|reference|r[ée]f[ée]rence|referenz"
        r"|tracking|track|trace|parcel|package|shipment|consignment|waybill|colis|sendung|paket"
        r"|sku|item|article|artikel|product|model|part|serial|imei|isbn|ean|upc|gtin|barcode"
        r"|batch|lot|id|ids|account|acct|konto|customer|client|kunde|member|membership|loyalty"
        r"|postcode|zip|postal|plz|cap|code|pin|otp|price|prix|preis|precio|prezzo|total"
        r"|amount|montant|betrag|qty|quantity|ticket|case|claim|booking|reservation|confirmation"
        r"|transaction|payment|iban|bic|swift|vat|tax|siret|siren|nif|cif|vin|version|build"
        r"|flight|train|seat|room|gate|page|step|year|since|date|dated|time|box|po)"
        r"(?![^\W\d_])",
        re.IGNORECASE,
    )


# A candidate: an optional + / 00 / tel:, then digits with the separators people type.
_CANDIDATE = re.compile(
    r"(?<![\w+.,/%-])(?P<tel>tel:\s?)?(?P<num>(?:\+|00)?\s?\(?\d[\d\s().\-/\u00a0]{5,26}\d)(?![\w%])"
)
_SEPARATED = re.compile(r"[\s().\-/\u00a0]")
# Shapes that are never phones, however they are labelled: dates, times, prices.
_D, _M, _Y = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"^(?:{_Y}[-/.]{_M}[-/.]{_D}|{_D}[-/.]{_M}[-/.]{_Y}|{_M}[-/.]{_D}[-/.]{_Y})(?!\d)"
)
_TIME = re.compile(r"\d{1,2}:\d\d")
_PRICE = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})*[.,]\d{2}$")
# ...and shapes that are phones only when something says so: IP addresses, barcodes.
_IPV4 = re.compile(
    r"^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d?)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d?|0)){3}$"
)
_EPOCH = re.compile(r"^1[5-9]\d{8}(?:\d{3})?$")
_BARCODE = re.compile(r"^(?:97[89]\d{10}|\d{13,14})$")  # ISBN-13 / EAN-13 / GTIN-14
_LABEL_GAP = 32  # characters a label may precede its number by
_GAP_WORDS = 5
_CHAIN = re.compile(
    r"^[\s,;/&|]*(?:or|and|ou|et|oder|und|o|y|e|of|en|eller|och|tai|tai\s+ja|lub|vagy|ή|или|veya"
    r"|alt|alternatively|or\s+call|or\s+text)?[\s,;/&|:]*$",
    re.IGNORECASE,
)
# TikTok's larger ad markets, tried first (and the only ones tried for unlabelled numbers).
_REGIONS_FIRST = (
    "US", "GB", "CA", "AU", "DE", "FR", "IT", "ES", "NL", "BE", "PT", "BR", "MX", "IN", "JP",
    "KR", "ID", "PH", "VN", "TH", "MY", "SG", "TR", "SA", "AE", "EG", "PL", "SE", "NO", "DK",
    "FI", "IE", "AT", "CH", "HU", "CZ", "RO", "GR", "IL", "ZA", "NG", "KE", "AR", "CL", "CO",
    "PE", "NZ", "PK", "BD", "RU", "UA",
)  # fmt: skip


# `phonenumbers` is imported by the first candidate that gets as far as validation: loading it
# costs about 20 ms, and most captures hold no phone-shaped text at all.
@cache
def _all_regions() -> tuple[str, ...]:
    import phonenumbers

    return _REGIONS_FIRST + tuple(sorted(set(phonenumbers.SUPPORTED_REGIONS) - set(_REGIONS_FIRST)))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _never_a_phone(raw: str, digits: str, after: str) -> bool:
    stripped = raw.strip()
    if _DATE.match(stripped) or _TIME.search(stripped) or _TIME.match(after):
        return True
    return bool(_PRICE.match(stripped) or _EPOCH.match(digits))


def _unlabelled_shape_rules_out(raw: str, digits: str) -> bool:
    """What an unlabelled number could just as well be: an IP address, a barcode."""
    stripped = raw.strip()
    barcode = not stripped.startswith(("+", "00")) and bool(_BARCODE.match(digits))
    return barcode or bool(_IPV4.match(stripped))


_GROUPS = re.compile(r"\d+")


def _phone_shaped(raw: str) -> bool:
    """Grouped like a phone number (`01 42 68 53 00`, `0470 12 34 56`, `(02) 9876 5432`),
    and not like the other grouped numbers of a page: SSNs (3-2-4), cards, dates."""
    groups = _GROUPS.findall(raw)
    digits = "".join(groups)
    if not 9 <= len(digits) <= 12:
        return False
    trunk = len(groups) == 2 and groups[0].startswith("0") and 2 <= len(groups[0]) <= 5
    if not trunk and (len(groups) < 3 or max(map(len, groups)) > 5):
        return False  # "020-1234567" and "0171 1234567" pass; "1234 5678901" does not
    separators = {c for c in _SEPARATED.findall(raw) if c not in " ()\u00a0"}
    if [len(g) for g in groups] == [3, 2, 4] or len(separators) > 1:
        return False
    return not looks_like_card(digits)


@lru_cache(maxsize=8192)
def _international(candidate: str) -> tuple[bool, bool]:
    """(valid, possible) for a number written with its country code."""
    import phonenumbers

    text = candidate.strip()
    if text.startswith("00"):
        text = "+" + text[2:].lstrip()
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return False, False
    return phonenumbers.is_valid_number(number), phonenumbers.is_possible_number(number)


@lru_cache(maxsize=8192)
def _national(candidate: str, preferred: tuple[str, ...]) -> tuple[bool, bool]:
    """(valid, possible) for a number written nationally, in the first region it fits:
    the preferred ones (page country, --region), then every numbering plan there is."""
    import phonenumbers

    possible = False
    for region in preferred + _all_regions():
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True, True
        possible = possible or phonenumbers.is_possible_number(number)
    return False, possible


def _closest(pattern: re.Pattern[str], window: str) -> re.Match[str] | None:
    last = None
    for match in pattern.finditer(window):
        last = match
    return last


def _near(window: str, end: int) -> bool:
    """The text between a label and its number is short filler, not another sentence."""
    gap = window[end:]
    if len(gap) > _LABEL_GAP or len(re.findall(r"[^\W_]+", gap)) > _GAP_WORDS:
        return False
    return not (re.search(r"\d", gap) or re.search(r"[.!?]\s+\S", gap) or "\n" in gap)


def _label_before(text: str, start: int) -> str | None:
    """'phone' or 'not' when a label (or a word that rules a phone out) sits just before
    position `start`; None when nothing does. A label right after a ruling-out word is part
    of its phrase: "order number", "tracking no.", "customer phone ID"."""
    window = text[max(0, start - _LABEL_GAP - 40) : start]
    label = _closest(_label(), window)
    negative = _closest(_not_phone(), window)
    ruled_out = negative is not None and _near(window, negative.end())
    if ruled_out and (label is None or negative.end() > label.start() - 2):  # type: ignore[union-attr]
        return "not"
    if label is not None and _near(window, label.end()):
        return "phone"
    return None


def _label_after(text: str, end: int) -> bool:
    """`06 12 34 56 78 (mobile)`, `0470 12 34 56 - portable`, `2125550143 is my number`."""
    tail = text[end : end + 24]
    label = _label().search(tail)
    if label is None or _not_phone().search(tail[: label.start()]):
        return False
    gap = tail[: label.start()]
    return not re.search(r"\d", gap) and len(re.findall(r"[^\W_]+", gap)) <= 2


def find_phones(text: str, keyed: bool, preferred: tuple[str, ...]) -> list[str]:
    """Phone numbers in `text`, as written.

    Args:
        text: The decoded field text.
        keyed: The field's key or parent says phone (`phone`, `mobile`, `tel`...).
        preferred: Regions to try first for national numbers (page country, --region).
    """
    found: list[str] = []
    last_end = -1
    for match in _CANDIDATE.finditer(text):
        raw = match.group("num").strip()
        digits = _digits(raw)
        after = text[match.end() : match.end() + 3]
        if not 7 <= len(digits) <= 15 or _never_a_phone(raw, digits, after):
            continue
        international = raw.startswith(("+", "00"))
        if not international and len(digits) > 13:
            continue
        label = _label_before(text, match.start())
        chained = last_end >= 0 and bool(_CHAIN.match(text[last_end : match.start()]))
        if label == "not" and not chained:
            continue
        tel = match.group("tel") is not None
        context = tel or keyed or chained or label == "phone" or _label_after(text, match.end())
        if not context and _unlabelled_shape_rules_out(raw, digits):
            continue
        if international:
            valid, possible = _international(raw)
            is_phone = valid or (possible and context)
        elif context:
            valid, possible = _national(raw, preferred)
            only = keyed and label is None and not tel and not chained
            is_phone = valid or (possible and not only and bool(_SEPARATED.search(raw)))
        else:  # no label at all: only a number written the way phones are, valid in a market
            is_phone = label is None and _phone_shaped(raw) and _national(raw, preferred)[0]
        if is_phone:
            found.append(raw)
            last_end = match.end()
    return found
