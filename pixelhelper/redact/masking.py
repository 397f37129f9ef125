"""Masking flagged values wherever they appear, in linear time.

A flagged value can reappear in a report or a forwarded request in many forms: as sent, in a
page URL, percent-encoded once or twice, inside a redirect URL nested in another URL, or in a
base64 blob beside its plain copy. The `Masker` finds every literal copy with one Aho-Corasick
pass (pyahocorasick), so a body with hundreds of thousands of flagged values costs one linear
scan, not one scan per value; it then decodes percent-encoded URL parameters and base64 runs and
masks what they hide.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, unquote_plus

import ahocorasick

if TYPE_CHECKING:
    from pixelhelper.models import Finding

_MEMO_LIMIT = 100_000
_URL_SAFE = "@*:/<>!$'()~"
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UPPER_HEX = re.compile(r"%(?:[0-9][A-F]|[A-F][0-9A-F])")
_PARAM = re.compile(r"(?:^|(?<=[?&#;]))([^=&#;]*)=([^&#;]*)")


def b64_text(run: str) -> str | None:
    """The text a base64 (or base64url) run stands for, if it is text."""
    if _HEX.fullmatch(run):
        return None
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decoder(run + "=" * (-len(run) % 4)).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
    return None


# --------------------------------------------------------------------------- masks per category


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _mask_digits(value: str, keep_start: int, keep_end: int) -> str:
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    keep = set(digits[:keep_start]) | set(digits[len(digits) - keep_end :])
    hidden = set(digits) - keep
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def _mask_phone(value: str) -> str:
    stripped = value.strip()
    if stripped.startswith("+"):
        country = re.match(r"\+\d{1,3}", stripped)
        cc = len(country.group(0)) - 1 if country else 1
        return _mask_digits(stripped, min(cc, 2), 2)
    return _mask_digits(stripped, 0, 2)


def _mask_card(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    middle = len(digits) - 8
    groups = [digits[:4], *(["****"] * max(1, (middle + 3) // 4)), digits[-4:]]
    return " ".join(groups)


def _mask_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return "***"
    if address.version == 4:
        return ".".join(value.strip().split(".")[:3]) + ".*"
    return value.strip().split(":")[0] + ":*"


def _mask_words(value: str) -> str:
    return " ".join(f"{word[:1]}***" for word in value.split()) or "***"


def mask(value: str, category: str) -> str:
    """Return the display form of a sensitive value: enough to recognise it, not to reuse it."""
    if category == "email":
        return _mask_email(value)
    if category == "phone":
        return _mask_phone(value)
    if category == "card_number":
        return _mask_card(value)
    if category == "national_id":
        return _mask_digits(value, 0, 4)
    if category == "ip_address":
        return _mask_ip(value)
    if category in ("person_name", "street_address", "name", "address"):
        return _mask_words(value)
    if category == "postal_code":
        return _mask_digits(value, 2, 0)
    if category in ("date_of_birth", "precise_location"):
        return _mask_digits(value, 2, 0)
    if category == "hashed_identity":
        return value[:8] + "…" if len(value) > 8 else value
    if category == "health":
        return value  # a lexicon term, not a personal value: auditors need to see which one
    return "***"


# --------------------------------------------------------------------------- the masker


def variants(value: str) -> set[str]:
    """The literal forms a value takes in URLs: as is, and percent-encoded in common styles."""
    encoded = quote(value, safe="")
    forms = {value, encoded}
    if " " in value:
        forms.add(quote_plus(value, safe=""))
    if "/" in value:
        forms.add(quote(value))
    if _UPPER_HEX.search(encoded):
        forms |= {_UPPER_HEX.sub(lambda m: m.group(0).lower(), v) for v in forms}
    forms.discard("")
    return forms


class Masker:
    """Replaces every flagged raw value (and its encoded copies) inside a structure.

    Reports use the default replacement (`mask`); the proxy's redact mode passes one that
    removes the value entirely before the request is forwarded.
    """

    def __init__(
        self,
        findings: Iterable[Finding],
        replacement: Callable[[Finding], str] | None = None,
    ) -> None:
        automaton = ahocorasick.Automaton()
        self._carriers: dict[str, str] = {}
        by_carrier: dict[str, dict[str, tuple[frozenset[str], str]]] = {}
        count = 0
        for finding in findings:
            if finding.type != "sensitive" or not finding.value:
                continue
            masked = replacement(finding) if replacement else mask(finding.value, finding.category)
            if masked == finding.value:
                continue
            placeholder = masked if replacement else f"<redacted {finding.category}>"
            forms = frozenset(variants(finding.value))
            for form in forms:
                if form not in automaton:
                    automaton.add_word(form, (len(form), form, masked, placeholder))
                    count += 1
            if finding.carrier:
                by_carrier.setdefault(finding.carrier, {})[finding.value] = (forms, placeholder)
        self._automaton = automaton
        self._has_words = count > 0
        if count:
            automaton.make_automaton()
        for carrier, expected in by_carrier.items():
            self._check_carrier(carrier, expected.values())
        self.active = count > 0 or bool(self._carriers)
        self._memo: dict[str, str] = {}

    def _check_carrier(self, carrier: str, expected: Iterable[tuple[frozenset[str], str]]) -> None:
        """Every flagged value must be where the masker can reach it in its field: as sent,
        percent-encoded or in base64. A value hidden any other way (JSON escapes, deep
        nesting) gets its whole field withheld."""
        present = self._reachable_words(carrier)
        for forms, placeholder in expected:
            if not forms & present:
                self._withhold_carrier(carrier, placeholder)
                return

    def _words(self, text: str) -> set[str]:
        return {word for _end, (_n, word, _m, _p) in self._automaton.iter(text)}

    def _reachable_words(self, text: str) -> set[str]:
        """Flagged values found in `text`, its percent-decodings and its base64 runs."""
        found = self._words(text)
        layer = text
        for _ in range(3):
            if "%" not in layer and "+" not in layer:
                break
            layer = unquote_plus(layer)
            found |= self._words(layer)
        for run in _B64_RUN.findall(text):
            decoded = b64_text(run)
            if decoded:
                found |= self._words(decoded) | self._words(unquote_plus(decoded))
        return found

    def _withhold_carrier(self, carrier: str, placeholder: str) -> None:
        """A value that appears only encoded in its field (JSON escapes, deep nesting): the field
        is withheld whole, and so is the page URL a report derives from it."""
        from pixelhelper.session import page_key

        self._carriers[carrier] = placeholder
        if carrier.startswith(("http://", "https://")):
            self._carriers.setdefault(page_key(carrier), placeholder)

    # ------------------------------------------------------------------ strings

    def _literal(self, value: str) -> str:
        """Replace every literal copy, leftmost-longest, in one pass."""
        if not self._has_words:
            return value
        parts: list[str] = []
        last = 0
        for end, (length, _word, masked, _hole) in self._automaton.iter_long(value):
            start = end - length + 1
            parts += [value[last:start], masked]
            last = end + 1
        if not parts:
            return value
        parts.append(value[last:])
        return "".join(parts)

    def _contains(self, value: str) -> str | None:
        """The placeholder of the first flagged value inside `value`, if any."""
        if not self._has_words:
            return None
        for _end, (_length, _word, _masked, hole) in self._automaton.iter(value):
            return str(hole)
        return None

    def _encoded(self, value: str, depth: int) -> str:
        """Mask what percent-encoding hides in URL parameters, keeping the URL's shape."""
        if "=" not in value:
            return value
        return _PARAM.sub(lambda m: self._param(m.group(1), m.group(2), depth), value)

    def _param(self, name: str, raw: str, depth: int) -> str:
        decoded = unquote_plus(raw)
        masked = self._text(decoded, depth + 1)
        if masked == decoded:
            return f"{name}={raw}"
        return f"{name}={quote(masked, safe=_URL_SAFE)}"

    def _base64(self, value: str) -> str:
        """Base64 runs that decode to text holding a flagged value are withheld."""
        if not self._has_words or len(value) < 16:
            return value

        def hide(match: re.Match[str]) -> str:
            decoded = b64_text(match.group(0))
            if decoded is None:
                return match.group(0)
            return (
                self._contains(decoded) or self._contains(unquote_plus(decoded)) or match.group(0)
            )

        return _B64_RUN.sub(hide, value)

    def _text(self, value: str, depth: int) -> str:
        if value in self._carriers:
            return self._carriers[value]
        out = self._literal(value)
        if "%" in out and depth < 3:
            out = self._encoded(out, depth)
            decoded = unquote_plus(out)
            if decoded != out and self._contains(decoded):  # a copy the parameters hid
                out = self._text(decoded, depth + 1)
        return self._base64(out)

    def text(self, value: str) -> str:
        """Mask one string."""
        if not self.active:
            return value
        memo = self._memo.get(value)
        if memo is not None:
            return memo
        out = self._text(value, 0)
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[value] = out
        return out

    def apply(self, node: Any) -> Any:
        """Mask every string in a JSON-able structure (keys included)."""
        if not self.active:
            return node
        if isinstance(node, dict):
            return {
                (self.text(k) if isinstance(k, str) else k): self.apply(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [self.apply(item) for item in node]
        if isinstance(node, str):
            return self.text(node)
        return node
