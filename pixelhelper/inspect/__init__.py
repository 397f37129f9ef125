"""Inspection: sensitive-data detectors and setup rules over decoded events.

Pure functions over `PixelEvent` values; no I/O. `Inspector` (in `inspector`) bundles the
options once and is called per event (detectors, event rules) and once per session (session
rules). This package's top level stays light: `pixelhelper rules` lists the registry without
loading the detectors, and `Inspector` is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pixelhelper.inspect.inspector import Inspector
    from pixelhelper.inspect.rules import Rule

__all__ = ["InspectOptions", "Inspector", "all_rules", "clear_caches"]


def clear_caches() -> None:
    """Forget every memoised decomposition and verdict (benchmarks start each pass cold)."""
    from pixelhelper.inspect import detectors, fields, health, sensitive

    for cached in (fields._decompose_cached, fields.split_url, health.singular,
                   detectors._key_words, detectors._real_domain,
                   sensitive._url_path_words):  # fmt: skip
        cached.cache_clear()


def all_rules() -> dict[str, Rule]:
    """Every rule id a report can contain: setup rules, then sensitive-data detectors."""
    from pixelhelper.inspect.rules import RULES

    setup = {k: r for k, r in RULES.items() if r.scope != "detector"}
    detectors = {k: r for k, r in RULES.items() if r.scope == "detector"}
    return setup | detectors


class InspectOptions(NamedTuple):
    """Settings the detectors and rules need.

    Attributes:
        region: Default region (ISO 3166 alpha-2) for national phone numbers; None derives it
            from the page's country-code domain, falling back to US.
        known_identities: Path of a test-identities file (emails and phones), or None.
        identity: Path of a test identity (`--identity`, TOML) typed into forms, or None.
        typed_into: (identity field, CSS selector) for each field `--fill` typed into.
        submitted_at: When `--submit` first submitted a form (Unix time), or None.
    """

    region: str | None = None
    known_identities: str | None = None
    identity: str | None = None
    typed_into: tuple[tuple[str, str], ...] = ()
    submitted_at: float | None = None


def __getattr__(name: str) -> Any:
    if name == "Inspector":
        from pixelhelper.inspect.inspector import Inspector

        return Inspector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
