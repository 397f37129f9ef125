"""The test identity typed into forms: from `--identity FILE` (TOML), or generated for the run.

A generated identity is unique per run and can be nobody's: an email at example.com (reserved
for documentation, RFC 2606), a phone number from the 555-0100..0199 range the North American
numbering plan reserves for fiction, and an unusual name. It is written beside the capture
(0600) so that a later `audit --identity` of the same capture finds the same leaks.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pixelhelper.errors import ConfigError

MAX_IDENTITY_BYTES = 64 * 1024
FIELDS = ("email", "phone", "first_name", "last_name", "street", "city", "postal_code",
          "date_of_birth")  # fmt: skip
_FIRST = ("Zephyrine", "Quillon", "Ottoline", "Balthazar", "Isolde", "Peregrine", "Araminta")
_LAST = ("Quillfeather", "Marrowdale", "Thistlewood", "Fennimore", "Ravensworth", "Ashgrove")


class TestIdentity(BaseModel):
    """Any of the identity fields; each typed where a field of its kind is found."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    date_of_birth: str | None = None

    def values(self) -> dict[str, str]:
        """The fields that are set, by name (and `full_name`, when both names are)."""
        out = {name: value for name in FIELDS if (value := getattr(self, name))}
        if self.first_name and self.last_name:
            out["full_name"] = f"{self.first_name} {self.last_name}"
        return out

    def to_toml(self) -> str:
        lines = ["# pixelhelper test identity (pixelhelper scan --fill)"]
        for name, value in self.values().items():
            if name != "full_name":  # a JSON string is a TOML basic string
                lines.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
        return "\n".join(lines) + "\n"


def load_identity(path: str | Path) -> TestIdentity:
    """Read `--identity FILE`; a clear error naming the file and the key otherwise."""
    from pixelhelper.documents import load_toml

    data = load_toml(path, "identity file", MAX_IDENTITY_BYTES)
    try:
        identity = TestIdentity.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first.get("loc", ())) or "identity"
        raise ConfigError(f"identity file {path}: `{key}`: {first.get('msg')}") from None
    if not identity.values():
        raise ConfigError(f"identity file {path}: names no field ({', '.join(FIELDS)})")
    return identity


def generate_identity() -> TestIdentity:
    """A test identity unique to this run, which can be nobody's."""
    token = secrets.token_hex(4)
    return TestIdentity(
        email=f"pixelhelper.{token}@example.com",
        phone=f"+1 201 555 01{secrets.randbelow(100):02d}",
        first_name=secrets.choice(_FIRST),
        last_name=secrets.choice(_LAST),
        street=f"{100 + secrets.randbelow(900)} Quillbrook Lane",
        city="Marrowfield",
        postal_code=f"9{secrets.randbelow(10000):04d}",
        date_of_birth=f"19{60 + secrets.randbelow(30)}-0{1 + secrets.randbelow(9)}-1"
        f"{secrets.randbelow(9)}",
    )


def write_identity(identity: TestIdentity, path: str | Path) -> None:
    """Keep the identity beside the capture (0600), for a later `audit --identity`."""
    from pixelhelper.files import write_text

    write_text(path, identity.to_toml(), private=True)
