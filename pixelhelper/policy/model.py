"""The policy file: what a site allows, requires and accepts, validated strictly.

A policy lives in `pixelhelper.toml`, in `[tool.pixelhelper]` of `pyproject.toml`, or in the
file `--policy` names. Every key is checked (`extra="forbid"`): a misspelt key must fail the
build loudly, not turn a gate off silently. Errors name the key and the file.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from pixelhelper.errors import ConfigError
from pixelhelper.policy.globs import GlobError, compile_field_glob, compile_glob
from pixelhelper.severity import SEVERITIES, Severity

POLICY_FILE = "pixelhelper.toml"


class PolicyError(ConfigError):
    """A policy that cannot be used: a missing file, bad TOML, an unknown key, a bad value."""


def _compiles(compile_: Callable[[str], object], what: str) -> Callable[[str], str]:
    """A validator: `text` if `compile_` accepts it, else the glob's error, named."""

    def check(text: str) -> str:
        try:
            compile_(text)
        except GlobError as exc:
            raise ValueError(f"bad {what} {text!r}: {exc}") from None
        return text

    return check


def _pixel_code(code: str) -> str:
    """A TikTok pixel code, or `vendor:ID` (`meta:1234567890123456`), upper-cased."""
    code = code.strip().upper()
    vendor, _, ident = code.rpartition(":")
    if not ident or len(code) > 80 or not ident.isalnum():
        raise ValueError(f"{code!r} is not a pixel code (or vendor:ID)")
    if vendor:
        from pixelhelper.vendors import installed

        if vendor.lower() not in installed():
            raise ValueError(f"{code!r}: unknown vendor {vendor.lower()!r} "
                             f"(installed: {', '.join(installed())})")  # fmt: skip
    return code


def _known_rule(rule: str) -> str:
    from pixelhelper.inspect import all_rules

    if rule not in all_rules():
        raise ValueError(f"unknown rule id {rule!r} (see `pixelhelper rules`)")
    return rule


def _known_category(category: str) -> str:
    category = canonical_category(category)
    if category not in categories():
        known = ", ".join(sorted(categories()))
        raise ValueError(f"unknown category {category!r}; known: {known}")
    return category


def canonical_category(category: str) -> str:
    """A category as reports write it (`card_number`); `card-number`, the spelling rule ids
    use, and any case are accepted in a policy."""
    return category.strip().lower().replace("-", "_")


Glob = Annotated[str, AfterValidator(_compiles(compile_glob, "page glob"))]
FieldGlobText = Annotated[str, AfterValidator(_compiles(compile_field_glob, "field glob"))]
PixelCode = Annotated[str, AfterValidator(_pixel_code)]
RuleId = Annotated[str, AfterValidator(_known_rule)]
Category = Annotated[str, AfterValidator(_known_category)]


def categories() -> frozenset[str]:
    """Finding categories a policy may name: the sensitive-data kinds and the setup levels."""
    from pixelhelper.inspect.leaks import CATEGORIES
    from pixelhelper.inspect.rules.sensitive import WHY

    return frozenset(WHY) | frozenset(CATEGORIES.values()) | {"pixel", "event", "parameter",
                                                              "policy", "consent"}  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pixels(_Strict):
    allowed: list[PixelCode] | None = None
    """The site's own pixels: TikTok codes, or `vendor:ID` (`meta:1234567890123456`); any
    other pixel of a vendor named here is `unexpected-pixel` (None: not checked)."""


class Pages(_Strict):
    forbidden: list[Glob] = Field(default_factory=list)
    """Pages where no pixel may fire (`pixel-on-forbidden-page`)."""


class Require(_Strict):
    page: Glob
    event: str = Field(min_length=1, max_length=100)
    params: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)


class Fail(_Strict):
    severity: Severity = "high"
    categories: list[Category] = Field(default_factory=list)
    rules: list[RuleId] = Field(default_factory=list)


class Ignore(_Strict):
    rule: RuleId | None = None
    category: Category | None = None
    page: Glob | None = None
    field: FieldGlobText | None = None
    """A glob on the finding's location (`properties.**content_name`)."""
    max_severity: Severity = "high"
    """Findings above this severity are never hidden: critical ones need `"critical"` here."""
    reason: str = Field(min_length=1, max_length=1000)
    until: dt.date | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Ignore:
        if (self.rule is None) == (self.category is None):
            raise ValueError("give exactly one of `rule` and `category`")
        if not self.reason.strip():
            raise ValueError("`reason` must say why the finding is accepted")
        return self

    def expired(self, today: dt.date) -> bool:
        """An ignore past its `until` date no longer applies."""
        return self.until is not None and self.until < today


class Consent(_Strict):
    modes: list[Literal["none", "reject", "accept", "gpc"]] = Field(default_factory=list)
    """Consent modes the checked traffic must have been recorded in (`scan`/`crawl
    --consent`); each one missing is `consent-mode-missing`."""


class Identities(_Strict):
    known: str | None = None
    region: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None


class Policy(_Strict):
    """A whole policy; every section is optional."""

    pixels: Pixels = Field(default_factory=Pixels)
    pages: Pages = Field(default_factory=Pages)
    require: list[Require] = Field(default_factory=list)
    fail: Fail = Field(default_factory=Fail)
    ignore: list[Ignore] = Field(default_factory=list)
    identities: Identities = Field(default_factory=Identities)
    consent: Consent = Field(default_factory=Consent)
    _source: str | None = PrivateAttr(default=None)
    _base: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """Where the policy was read from (None: the default policy)."""
        return self._source

    @property
    def base(self) -> str | None:
        """The directory relative paths in the policy are resolved against."""
        return self._base

    def known_identities(self) -> str | None:
        """`identities.known` as a path (relative to the policy file)."""
        known = self.identities.known
        if not known:
            return None
        path = Path(known)
        return str(path if path.is_absolute() or self.base is None else Path(self.base) / path)

    def fails_at(self, override: str | None) -> Severity:
        """The severity threshold: `--fail-on` when given, else `[fail].severity`."""
        value = override or self.fail.severity
        if value not in SEVERITIES:
            raise PolicyError(f"unknown severity {value!r}")
        return value


def load_policy(path: str | Path | None = None, cwd: Path | None = None) -> Policy:
    """The policy `--policy` names, else `pixelhelper.toml`, else `[tool.pixelhelper]` in
    `pyproject.toml` (both in `cwd`), else the default policy (severity gate only)."""
    cwd = cwd or Path.cwd()
    if path is not None:
        file = Path(path)
        if not file.exists():
            raise PolicyError(f"{file}: no such policy file")
        data = _read_toml(file)  # a directory, a FIFO or a device: a clear error there
        if file.name == "pyproject.toml":
            data = data.get("tool", {}).get("pixelhelper", {})
        return parse_policy(data, file)
    own = cwd / POLICY_FILE
    if own.is_file():
        return parse_policy(_read_toml(own), own)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("pixelhelper")
        if table is not None:
            return parse_policy(table, pyproject, prefix="tool.pixelhelper.")
    return Policy()


MAX_POLICY_BYTES = 4 << 20


def _read_toml(file: Path) -> dict[str, Any]:
    from pixelhelper.documents import check_depth, read_text

    try:
        text = read_text(file, "policy", MAX_POLICY_BYTES)
        data = tomllib.loads(text)
        check_depth(data, f"{file}")
    except ConfigError as exc:
        raise PolicyError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{file}: not valid TOML: {exc}") from None
    except RecursionError:
        raise PolicyError(f"{file}: nested too deeply to be a policy") from None
    return data


def parse_policy(data: Any, file: Path | None = None, prefix: str = "") -> Policy:
    """Validate a parsed TOML table; errors name the key (`require[0].event`) and the file."""
    where = f"{file}: " if file else ""
    if not isinstance(data, dict):
        raise PolicyError(f"{where}the policy must be a table")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(where + "; ".join(_describe(e, prefix) for e in exc.errors())) from None
    if file is not None:
        policy._source = str(file)
        policy._base = str(file.resolve().parent)
    return policy


def _describe(error: Any, prefix: str) -> str:
    parts: list[str] = []
    for item in error.get("loc", ()):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not (item.startswith("function-") or item in ("str", "date")):
            parts.append(("." if parts else "") + item)
    key = prefix + "".join(parts) if parts else prefix.rstrip(".") or "policy"
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid"))
    if kind == "extra_forbidden":
        message = "unknown key (check its spelling against the README's policy keys)"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"`{key}`: {message}"
