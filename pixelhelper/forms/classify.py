"""Which identity field a form field is, as a person filling it in would tell: by its
`autocomplete` tokens, then its `type`, then the words of its name, id, placeholder,
aria-label and label, in English, German, French, Spanish, Italian, Dutch and Portuguese.

Fields a test must never type into are refused first: passwords, payment cards (number, CVC,
expiry, IBAN), files, and anything hidden, disabled or read-only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# autocomplete tokens (WHATWG) -> identity field
_AUTOCOMPLETE = {
    "email": "email", "tel": "phone", "tel-national": "phone", "tel-local": "phone",
    "mobile": "phone", "given-name": "first_name", "family-name": "last_name",
    "name": "full_name", "street-address": "street", "address-line1": "street",
    "address-level2": "city", "postal-code": "postal_code", "bday": "date_of_birth",
}  # fmt: skip
_TEXT_TYPES = {"", "text", "email", "tel", "search", "date", "number", "url"}
# words that mark a payment or secret field, whatever else the field says
_NEVER_WORDS = re.compile(
    r"passw|passwort|mot de passe|contrase|senha|wachtwoord|pin\b|otp|one.time"
    r"|card|kart|carte|tarjeta|carta|cart[aã]o|cc.?num|cc.?exp|cvc|cvv|csc|security.?code"
    r"|iban|bic\b|swift|routing|account.?num|kontonummer|expir|ablauf|caduc|vencim|scadenz"
    r"|captcha|coupon|gutschein|promo|voucher|search|suche|recherche|buscar|cerca|zoek",
)
# (field, pattern) in the order they are tried: the more specific first
_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (field, re.compile(pattern))
    for field, pattern in (
        ("email", r"e.?mail|courriel|correo|posta elettronica|e.?post|endereco de email"),
        ("phone", r"phone|\btel\b|telef|telep|mobil|movil|movel|cell|handy|portable|celular"),
        (
            "postal_code",
            r"\bzip|postal|post.?code|\bplz\b|postleitzahl|code postal"
            r"|codigo postal|\bcap\b|\bcep\b",
        ),
        (
            "date_of_birth",
            r"birth|\bdob\b|geburts|naissance|nacimiento|nascita|geboorte"
            r"|nascimento|bday",
        ),
        (
            "first_name",
            r"first.?name|given.?name|fore.?name|\bfname\b|vorname|prenom"
            r"|voornaam|primeiro nome|nombre de pila",
        ),
        (
            "last_name",
            r"last.?name|sur.?name|family.?name|\blname\b|nachname|familienname"
            r"|apellido|cognome|achternaam|sobrenome|apelido|^nom$|\bnom de famille",
        ),
        (
            "full_name",
            r"full.?name|your.?name|^name$|\bname\b|nombre|^nome|nom complet"
            r"|\bnaam\b|vollstandiger name|ihr name",
        ),
        (
            "city",
            r"\bcity\b|\btown\b|stadt|\bort\b|ville|ciudad|citta|\bstad\b|woonplaats"
            r"|cidade|localidade|localite",
        ),
        (
            "street",
            r"address|street|adresse|strasse|\brue\b|direccion|calle|indirizzo"
            r"|\bvia\b|\badres\b|straat|morada|endereco|\brua\b",
        ),
    )
)
_USERNAME = re.compile(r"user.?name|login|benutzer|utilisateur|usuario|utente|gebruiker")


@dataclass(frozen=True)
class FieldFacts:
    """What a page says about one form field."""

    tag: str = "input"
    type: str = "text"
    autocomplete: str = ""
    name: str = ""
    id: str = ""
    placeholder: str = ""
    aria_label: str = ""
    label: str = ""
    hidden: bool = False
    disabled: bool = False
    readonly: bool = False


def _folded(text: str) -> str:
    """Lower case, accents removed, separators as spaces: `Prénom` -> `prenom`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "ss")
    return re.sub(r"[\s_\-.:*()\[\]]+", " ", plain).strip()


def never_type(facts: FieldFacts) -> bool:
    """Passwords, payment and secret fields, files, and fields no visitor could type into."""
    if facts.hidden or facts.disabled or facts.readonly:
        return True
    if facts.tag == "input" and facts.type.lower() not in _TEXT_TYPES:
        return True  # password, hidden, file, checkbox...: never typed into
    tokens = facts.autocomplete.lower().split()
    if any(t.startswith("cc-") or t in ("current-password", "new-password", "one-time-code")
           for t in tokens):  # fmt: skip
        return True
    words = _folded(" ".join((facts.name, facts.id, facts.placeholder, facts.aria_label,
                              facts.label)))  # fmt: skip
    return bool(_NEVER_WORDS.search(words))


def classify(facts: FieldFacts) -> str | None:
    """The identity field to type into this form field, or None (leave it alone)."""
    if facts.tag not in ("input", "textarea") or never_type(facts):
        return None
    for token in reversed(facts.autocomplete.lower().split()):  # the field name comes last
        if token in _AUTOCOMPLETE:
            return _AUTOCOMPLETE[token]
        if token in ("off", "on"):
            break
    kind = facts.type.lower()
    if kind == "email":
        return "email"
    if kind == "tel":
        return "phone"
    for text in (facts.label, facts.aria_label, facts.placeholder, facts.name, facts.id):
        words = _folded(text)
        if not words or _USERNAME.search(words):
            continue
        for field, pattern in _WORDS:
            if pattern.search(words):
                return field
        joined = words.replace(" ", "")  # firstname, vorname, postalcode
        for field, pattern in _WORDS:
            if pattern.search(joined):
                return field
    return None
