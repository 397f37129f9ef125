"""Payment card numbers: a Luhn-valid 12-19 digit number, judged by its words or its issuer.

Right after a card word ("card number", "credit card", "CC#", "carte bancaire", "Kreditkarte",
"tarjeta", "cartão"...) any Luhn-valid 12-19 digit number is a card, whatever its issuer.
Without such a word the number must also fall in a known issuer range with that issuer's
length (the table below: Visa, Mastercard, Amex, Discover, JCB old and new, Diners Club,
UnionPay, Maestro, Mir, RuPay, Elo, Hipercard, Verve, Troy, Dankort, UATP...), and the broad
ranges (Maestro, RuPay, UATP...) count only when the number is written grouped as cards are,
or stands alone in its field; otherwise one order id in ten would pass Luhn.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple


class Issuer(NamedTuple):
    """An issuer identification number range and the lengths its cards have."""

    low: str
    high: str
    lengths: frozenset[int]
    name: str
    broad: bool = False
    """A range wide enough that an unrelated id often falls in it."""


def _r(
    low: str, high: str, lengths: range | tuple[int, ...], name: str, broad: bool = False
) -> Issuer:
    return Issuer(low, high, frozenset(lengths), name, broad)


# ISO/IEC 7812 issuer ranges as the networks publish them (a more specific range wins: the
# table is ordered from specific to broad).
ISSUERS: tuple[Issuer, ...] = (
    _r("1800", "1800", (15,), "JCB"), _r("2131", "2131", (15,), "JCB"),
    _r("2200", "2204", range(16, 20), "Mir"),
    _r("2221", "2720", (16,), "Mastercard"),
    _r("300", "305", range(14, 20), "Diners Club"),
    _r("3095", "3095", range(14, 20), "Diners Club"),
    _r("36", "36", range(14, 20), "Diners Club"), _r("38", "39", range(14, 20), "Diners Club"),
    _r("34", "34", (15,), "American Express"), _r("37", "37", (15,), "American Express"),
    _r("3528", "3589", range(15, 20), "JCB"),
    _r("357111", "357111", (16,), "LankaPay"),
    _r("384100", "384100", range(16, 20), "Hipercard"),
    _r("384140", "384140", range(16, 20), "Hipercard"),
    _r("384160", "384160", range(16, 20), "Hipercard"),
    _r("401178", "401179", (16,), "Elo"), _r("431274", "431274", (16,), "Elo"),
    _r("438935", "438935", (16,), "Elo"), _r("451416", "451416", (16,), "Elo"),
    _r("457393", "457393", (16,), "Elo"), _r("457631", "457632", (16,), "Elo"),
    _r("4571", "4571", (16,), "Dankort (Visa)"),
    _r("4", "4", (13, 16, 19), "Visa"),
    _r("504175", "504175", (16,), "Elo"), _r("506699", "506778", (16,), "Elo"),
    _r("509000", "509999", (16,), "Elo"),
    _r("506099", "506198", (16, 18, 19), "Verve"), _r("507865", "507964", (16, 18, 19), "Verve"),
    _r("5019", "5019", (16,), "Dankort"),
    _r("51", "55", (16,), "Mastercard"),
    _r("508", "508", (16,), "RuPay", True),
    _r("50", "50", range(12, 20), "Maestro", True), _r("56", "59", range(12, 20), "Maestro", True),
    _r("6011", "6011", range(16, 20), "Discover"),
    _r("622126", "622925", range(16, 20), "Discover"),
    _r("627780", "627780", (16,), "Elo"), _r("636297", "636297", (16,), "Elo"),
    _r("636368", "636368", (16,), "Elo"),
    _r("606282", "606282", range(16, 20), "Hipercard"),
    _r("637095", "637095", range(16, 20), "Hipercard"),
    _r("637568", "637568", range(16, 20), "Hipercard"),
    _r("637599", "637599", range(16, 20), "Hipercard"),
    _r("637609", "637609", range(16, 20), "Hipercard"),
    _r("637612", "637612", range(16, 20), "Hipercard"),
    _r("650002", "650027", (16, 18, 19), "Verve"),
    _r("650031", "650033", (16,), "Elo"), _r("650035", "650051", (16,), "Elo"),
    _r("650405", "650439", (16,), "Elo"), _r("650485", "650538", (16,), "Elo"),
    _r("650541", "650598", (16,), "Elo"), _r("650700", "650718", (16,), "Elo"),
    _r("650720", "650727", (16,), "Elo"), _r("650901", "650978", (16,), "Elo"),
    _r("651652", "651679", (16,), "Elo"), _r("655000", "655019", (16,), "Elo"),
    _r("655021", "655058", (16,), "Elo"),
    _r("6759", "6759", range(12, 20), "Maestro UK"),
    _r("6761", "6763", range(12, 20), "Maestro"),
    _r("644", "649", range(16, 20), "Discover"), _r("65", "65", range(16, 20), "Discover"),
    _r("62", "62", range(16, 20), "UnionPay"),
    _r("636", "636", range(16, 20), "InterPayment", True),
    _r("60", "60", (16,), "RuPay", True),
    _r("81", "82", (16,), "RuPay", True),
    _r("8100", "8171", range(16, 20), "UnionPay", True),
    _r("9792", "9792", (16,), "Troy"),
    _r("63", "69", range(12, 20), "Maestro", True),
    _r("1", "1", (15,), "UATP", True),
)  # fmt: skip

_CANDIDATE = re.compile(r"(?<![\w.+,/-])(\d(?:[ -]?\d){11,18})(?![\w.,/-]?\d)")
_GROUPED = re.compile(r"^\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?$|^\d{4}[ -]\d{6}[ -]\d{4,5}$")


@cache
def _card_words() -> re.Pattern[str]:
    """A word that says card, compiled on first use, for a digit run that could be a card
    number: most audits never meet one."""
    return re.compile(
        r"(?<![^\W\d_])(?:card|cards|card\s?(?:no|nr|num|number|#)|credit|debit|cc|cc#|ccn|pan"
        r"|visa|mastercard|master\s?card|amex|american\s?express|discover|jcb|diners|maestro"
        r"|unionpay|union\s?pay|rupay|mir|elo|hipercard|verve|troy|carte|carte\s?bancaire"
        r"|carte\s?bleue|cb|karte|kreditkarte|kartennummer|ec-karte|girocard|tarjeta|tarjeta\s?de"
        r"\s?cr[ée]dito|cart[ãa]o|cart[ãa]o\s?de\s?cr[ée]dito|carta|carta\s?di\s?credito|kaart"
        r"|creditcard|bankkaart|kort|kortnummer|kreditkort|kortti|luottokortti|karta|kartą"
        r"|kart[áa]ya|k[áa]rtya|k[áa]rtyasz[áa]m|platební|karty|kredi\s?kart[ıi]|карта|карты"
        r"|クレジットカード|카드|信用卡|银行卡)(?![^\W\d_])",
        re.IGNORECASE,
    )


_CARD_KEYS = frozenset({"card", "cc", "ccn", "pan", "cardnumber", "creditcard", "debitcard",
                        "card_number", "cc_number", "payment_card"})  # fmt: skip
_WINDOW = 36


def luhn(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def issuer(digits: str) -> Issuer | None:
    """The issuer whose range and card length fit `digits`, if any."""
    for entry in ISSUERS:
        prefix = digits[: len(entry.low)]
        if len(digits) in entry.lengths and entry.low <= prefix <= entry.high:
            return entry
    return None


def card_brand(digits: str) -> str | None:
    """The card network whose IIN range and length fit, if any."""
    entry = issuer(digits)
    return entry.name if entry else None


def looks_like_card(digits: str) -> bool:
    """A number that a phone or id detector should leave to the card detector."""
    return 12 <= len(digits) <= 19 and luhn(digits) and issuer(digits) is not None


def _card_word_before(text: str, start: int) -> bool:
    window = text[max(0, start - _WINDOW) : start]
    last = None
    for match in _card_words().finditer(window):
        last = match
    if last is None:
        return False
    gap = window[last.end() :]
    return not re.search(r"\d", gap) and len(re.findall(r"[^\W_]+", gap)) <= 4


def find_cards(text: str, keyed: bool, id_key: bool) -> list[tuple[str, str]]:
    """Card numbers in `text` as (as written, what it is).

    Args:
        text: The decoded field text.
        keyed: The field's key says card (`card_number`, `cc`, `pan`...).
        id_key: The field's key says id/order/sku: an unformatted number there is an id.
    """
    hits = []
    for match in _CANDIDATE.finditer(text):
        raw = match.group(1)
        digits = raw.replace(" ", "").replace("-", "")
        if not luhn(digits) or re.fullmatch(r"1[5-9]\d{11}", digits):  # never epoch ms
            continue
        worded = keyed or _card_word_before(text, match.start())
        entry = issuer(digits)
        if worded:
            hits.append((raw, f"{entry.name if entry else 'payment'} card number"))
            continue
        formatted = raw != digits
        if entry is None or (id_key and not formatted):
            continue
        alone = text.strip() == raw
        if entry.broad and not (alone or _GROUPED.match(raw)):
            continue
        hits.append((raw, f"{entry.name} card number"))
    return hits
