"""TikTok's reference lists (standard events, currencies) and helpers the rules share."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pixelhelper.models import PixelEvent
    from pixelhelper.store import EventFacts


class Reference(NamedTuple):
    """TikTok's standard events and currencies (data/standard_events.toml)."""

    standard: frozenset[str]
    automatic: frozenset[str]
    legacy: dict[str, str]
    value_events: frozenset[str]
    currencies: frozenset[str]


@cache
def reference() -> Reference:
    """Load the shipped reference data once (`pixelhelper rules` lists rules without it)."""
    import tomllib
    from importlib import resources

    raw = resources.files("pixelhelper").joinpath("data/standard_events.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return Reference(
        standard=frozenset(data["standard"]),
        automatic=frozenset(data["automatic"]),
        legacy=dict(data["legacy"]),
        value_events=frozenset(data["value_events"]["names"]),
        currencies=frozenset(data["currencies"]["supported"]),
    )


def _is_conversion(event: PixelEvent | EventFacts) -> bool:
    """Events a site sends on purpose (not script loads, beacons or auto-collected actions)."""
    return event.kind in ("pixel", "events_api") and event.decode_error is None


def _props(event: PixelEvent) -> dict[str, Any]:
    return event.properties if isinstance(event.properties, dict) else {}


def _user_path(event: PixelEvent) -> str:
    return "user" if event.kind == "events_api" else "context.user"


def _number(value: Any) -> float | None:
    """The number a value stands for, accepting numeric strings as TikTok does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
