"""A journey file: a `name`, a `start` URL and ordered `[[step]]`s (TOML, checked by pydantic).

    name = "Checkout"
    start = "http://127.0.0.1:8000/index.html"

    [[step]]
    consent = "reject"

    [[step]]
    mark = "product"

    [[step]]
    click = "text=Prenatal vitamins"

    [[step]]
    fill = "#email"
    identity = "email"

Each step is exactly one action; `value`/`identity` go with `fill`, `option` with `select`,
and any step may have a `timeout` (seconds). An error names the step (counted from 1) and the
key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pixelhelper.errors import ConfigError
from pixelhelper.forms.identity import FIELDS

MAX_JOURNEY_BYTES = 256 * 1024
MAX_STEPS = 500
ACTIONS = ("goto", "click", "fill", "press", "select", "check", "submit", "wait_for", "wait",
           "consent", "fill_forms", "mark")  # fmt: skip
IDENTITIES = (*FIELDS, "full_name")
COMPANIONS = {"value": "fill", "identity": "fill", "option": "select"}
IDENTITY_ALIASES = {"name": "full_name", "zip": "postal_code", "zip_code": "postal_code",
                    "postcode": "postal_code", "address": "street", "tel": "phone",
                    "dob": "date_of_birth", "birthday": "date_of_birth",
                    "birthdate": "date_of_birth", "given_name": "first_name",
                    "family_name": "last_name"}  # fmt: skip
MAX_WAIT = 600.0

Identity = Literal[IDENTITIES]  # type: ignore[valid-type]


class Step(BaseModel):
    """One step: exactly one of the ACTIONS, with its companions."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    goto: str | None = Field(None, min_length=1, max_length=4096)
    click: str | None = Field(None, min_length=1, max_length=2000)
    fill: str | None = Field(None, min_length=1, max_length=2000)
    value: str | None = Field(None, max_length=10_000)
    identity: Identity | None = None
    press: str | None = Field(None, min_length=1, max_length=100)
    select: str | None = Field(None, min_length=1, max_length=2000)
    option: str | None = Field(None, max_length=2000)
    check: str | None = Field(None, min_length=1, max_length=2000)
    submit: str | None = Field(None, min_length=1, max_length=2000)
    wait_for: str | None = Field(None, min_length=1, max_length=2000)
    wait: float | None = Field(None, ge=0, le=MAX_WAIT)
    consent: Literal["accept", "reject"] | None = None
    fill_forms: Literal[True] | None = None
    mark: str | None = Field(None, min_length=1, max_length=200)
    timeout: float | None = Field(None, gt=0, le=MAX_WAIT)

    @field_validator("identity", mode="before")
    @classmethod
    def _alias(cls, value: Any) -> Any:
        """`name`, `zip`, `address`, `dob`...: the usual words for the identity's fields."""
        if isinstance(value, str):
            lowered = value.strip().lower()
            return IDENTITY_ALIASES.get(lowered, lowered)
        return value

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(ACTIONS)} (found: {', '.join(given) or 'none'})"
            )
        for companion, owner in COMPANIONS.items():
            if getattr(self, companion) is not None and given[0] != owner:
                raise ValueError(f"`{companion}` goes with `{owner}`, not `{given[0]}`")
        if self.fill is not None and (self.value is None) == (self.identity is None):
            raise ValueError("`fill` needs exactly one of `value` and `identity`")
        if self.select is not None and self.option is None:
            raise ValueError("`select` needs the `option` to choose")
        return self

    @property
    def kind(self) -> str:
        """The step's action (`click`, `goto`, ...)."""
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    @property
    def target(self) -> str:
        """What it acts on, as text for a report (never a typed value: `fill` names its
        selector and the identity field, or how many characters it types)."""
        kind = self.kind
        if kind == "fill":
            typed = self.identity or f"{len(self.value or '')} characters"
            return f"{self.fill} <- {typed}"
        if kind == "select":
            return f"{self.select} = {self.option}"
        if kind == "fill_forms":
            return "identity fields of the page"
        return str(getattr(self, kind))


class Journey(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    start: str = Field(min_length=1, max_length=4096)
    step: list[Step] = Field(default_factory=list, max_length=MAX_STEPS)

    @property
    def steps(self) -> list[Step]:
        return self.step

    @model_validator(mode="after")
    def _one_choice(self) -> Journey:
        choices = [(n, s.consent) for n, s in enumerate(self.step) if s.consent]
        for number, choice in choices:
            if choice != choices[0][1]:
                raise ValueError(
                    f"step {number + 1} (consent): a journey answers the banner one way "
                    f"(step {choices[0][0] + 1} says {choices[0][1]!r})"
                )
        return self

    def needs_identity(self) -> bool:
        """Whether a step types the test identity (`identity = ...` or `fill_forms`)."""
        return any(s.identity is not None or s.fill_forms for s in self.step)

    def consent_action(self) -> str | None:
        """The first `consent` step's choice, if any."""
        return next((s.consent for s in self.step if s.consent), None)


def load_journey(path: str | Path) -> Journey:
    """Read a journey file; a ConfigError naming the file, the step and the key otherwise."""
    from pixelhelper.documents import load_toml

    data = load_toml(path, "journey file", MAX_JOURNEY_BYTES)
    try:
        return Journey.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"journey file {path}: {_where(exc.errors()[0], data)}") from None


def _where(error: Any, data: Any) -> str:
    """`step 3 (click): `timeout`: Input should be greater than 0`, from pydantic's error."""
    loc = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if len(loc) >= 2 and loc[0] == "step" and loc[1].isdigit():
        number = int(loc[1])
        steps = data.get("step") if isinstance(data, dict) else None
        raw = steps[number] if isinstance(steps, list) and number < len(steps) else {}
        kind = next((k for k in ACTIONS if isinstance(raw, dict) and k in raw), None)
        label = f"step {number + 1}" + (f" ({kind})" if kind else "")
        key = ".".join(loc[2:])
        return f"{label}: `{key}`: {message}" if key else f"{label}: {message}"
    return f"`{'.'.join(loc)}`: {message}" if loc else message
