"""Known test identities: prove that a tester's email or phone reached TikTok, even hashed.

A tester browses with a test account; pixelhelper hashes that account's email and phone under
every normalisation advertisers commonly (mis)apply, with SHA-256, SHA-1 and MD5, and looks each
hex value in the traffic up in that table. A match on a non-normalised variant also tells the
tester that the site hashed without TikTok's normalisation (trim + lower-case email, E.164 phone).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pixelhelper.errors import ConfigError

ALGORITHMS = ("sha256", "sha1", "md5")
MAX_IDENTITIES_BYTES = 16 << 20
HEX_VALUE = re.compile(
    r"(?<![0-9a-fA-F])([0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})(?![0-9a-fA-F])"
)


@dataclass(frozen=True, slots=True)
class IdentityMatch:
    """What a hash turned out to be."""

    identity: str
    kind: str  # "email" or "phone"
    algorithm: str
    variant: str
    normalised: bool


def _email_variants(raw: str) -> dict[str, str]:
    trimmed = raw.strip()
    return {"as given": raw, "trimmed": trimmed, "normalised": trimmed.lower()}


def _phone_variants(raw: str, region: str) -> dict[str, str]:
    import phonenumbers  # only when a tester names a phone: an audit need not load it

    variants = {"as given": raw, "trimmed": raw.strip()}
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        variants["e164 without +"] = e164.lstrip("+")
        variants["national digits"] = str(number.national_number)
        variants["normalised"] = e164
    variants["digits"] = re.sub(r"\D", "", raw)
    return variants


class KnownIdentities:
    """A lookup table from hex digests to the test identity they hash."""

    def __init__(self, identities: list[str], region: str = "US") -> None:
        self.identities = identities
        self._table: dict[str, IdentityMatch] = {}
        for identity in identities:
            kind = "email" if "@" in identity else "phone"
            variants = (
                _email_variants(identity) if kind == "email" else _phone_variants(identity, region)
            )
            normal = variants.get("normalised")
            for name, text in variants.items():
                if not text:
                    continue
                is_normal = name == "normalised" or text == normal
                for algorithm in ALGORITHMS:
                    digest = hashlib.new(algorithm, text.encode("utf-8")).hexdigest()
                    current = self._table.get(digest)
                    if current is None or (is_normal and not current.normalised):
                        self._table[digest] = IdentityMatch(
                            identity, kind, algorithm, name, is_normal
                        )

    def __bool__(self) -> bool:
        return bool(self._table)

    def lookup(self, text: str) -> list[tuple[str, IdentityMatch]]:
        """Every (hex value, match) in a text."""
        if len(text) < 32:
            return []
        found = []
        for match in HEX_VALUE.finditer(text):
            hit = self._table.get(match.group(1).lower())
            if hit:
                found.append((match.group(1), hit))
        return found

    @classmethod
    def from_file(cls, path: str | Path, region: str = "US") -> KnownIdentities:
        """Read one email or phone number per line; `#` starts a comment.

        Raises:
            ConfigError: if the file cannot be read or holds no identity.
        """
        from pixelhelper.documents import read_text

        text = read_text(path, "known identities file", MAX_IDENTITIES_BYTES)
        identities = [
            line.split("#", 1)[0].strip()
            for line in text.splitlines()
            if line.split("#", 1)[0].strip()
        ]
        if not identities:
            raise ConfigError(f"known identities file {path} holds no email or phone number")
        return cls(identities, region)
