"""Pixel vendors: who a request is sent to, and how to read it.

Everything after decoding (the sensitive-data detectors, redaction, block and redact modes,
the policy, reports, crawls, consent and forms) works on the shared event model and knows no
vendor. What does is here, behind one small protocol: a vendor recognises its own requests,
decodes them into `PixelEvent`s (its own payload kept whole in `payload`), and registers its
setup rules. TikTok is the first; the Meta Pixel the second. Vendors are found through the
entry-point group `pixelhelper.vendors` (the built-in ones register the same way), so a
package of its own can add one:

    [project.entry-points."pixelhelper.vendors"]
    acme = "acme_pixel:VENDOR"

`--vendors tiktok,meta` (or `PIXELHELPER_VENDORS`, which the proxy, crawl and Dask children
inherit) selects some; the default is every installed vendor.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pixelhelper.errors import ConfigError

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import PixelEvent
    from pixelhelper.recognise import Recognition

GROUP = "pixelhelper.vendors"
ENV = "PIXELHELPER_VENDORS"
BUILT_IN = ("tiktok", "meta")  # first, in this order: the common case is recognised first


@runtime_checkable
class Vendor(Protocol):
    """A pixel vendor.

    Attributes:
        id: Short and stable (`tiktok`, `meta`): events' `vendor`, policy's `vendor:ID`.
        name: For people (`TikTok Pixel`).
        host_markers: Lower-case bytes that every host it recognises contains: the capture
            readers and the proxy skip, unparsed, any request whose names hold none of them.
        rule_modules: Modules that register its setup rules (imported once it is active).
    """

    id: str
    name: str
    host_markers: tuple[bytes, ...]
    rule_modules: tuple[str, ...]

    def host(self, name: str) -> bool:
        """Is every request to this host the vendor's pixel traffic (block mode answers all
        of it)? False where the vendor shares its hosts with other services."""
        ...

    def recognise(self, method: str, url: str) -> Recognition | None:
        """What kind of the vendor's pixel traffic a request is; None if it is none."""
        ...

    def decode(self, request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
        """The request's events (never raises: a body it cannot read is a `decode_error`)."""
        ...


@lru_cache(maxsize=1)
def installed() -> dict[str, Vendor]:
    """Every vendor registered in the entry-point group, built-in ones first. A broken
    third-party entry is skipped (it cannot stop an audit), with a warning."""
    import sys
    from importlib.metadata import EntryPoint, entry_points

    found: dict[str, Vendor] = {}

    def order(point: EntryPoint) -> tuple[int, str]:
        return (BUILT_IN.index(point.name) if point.name in BUILT_IN else 99, point.name)

    points = sorted(entry_points(group=GROUP), key=order)
    for point in points:
        try:
            vendor = point.load()
        except Exception as exc:  # noqa: BLE001  (a third party's package, broken)
            print(f"pixelhelper: vendor {point.name!r} not loaded: {exc}", file=sys.stderr)
            continue
        if isinstance(vendor, Vendor) and vendor.id not in found:
            found[vendor.id] = vendor
    if "tiktok" not in found:  # not installed as a distribution (a source checkout on a path)
        from pixelhelper.vendors.meta import VENDOR as META
        from pixelhelper.vendors.tiktok import VENDOR as TIKTOK

        found = {"tiktok": TIKTOK, "meta": META, **found}
    return found


def parse(text: str) -> tuple[str, ...]:
    """`tiktok,meta` -> the ids, each installed (a ConfigError names one that is not)."""
    ids = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    known = installed()
    for name in ids:
        if name not in known:
            raise ConfigError(f"unknown vendor {name!r} (installed: {', '.join(known)})")
    if not ids:
        raise ConfigError("--vendors names no vendor")
    return ids


def select(ids: Sequence[str] | None) -> None:
    """Use only these vendors, here and in every child process started from now on."""
    if ids:
        os.environ[ENV] = ",".join(ids)
    else:
        os.environ.pop(ENV, None)
    active.cache_clear()
    active()


@lru_cache(maxsize=1)
def active() -> tuple[Vendor, ...]:
    """The vendors in use: `PIXELHELPER_VENDORS`, else every installed one."""
    known = installed()
    chosen = os.environ.get(ENV)
    ids = parse(chosen) if chosen else tuple(known)
    vendors = tuple(known[name] for name in ids)
    from pixelhelper import recognise

    recognise.use_markers(tuple(m for v in vendors for m in v.host_markers))
    for vendor in vendors:
        for module in vendor.rule_modules:
            __import__(module)
    return vendors


def by_id(name: str) -> Vendor | None:
    return installed().get(name)


def load_rules() -> None:
    """Register the setup rules of every installed vendor (`pixelhelper rules` lists them
    all; each applies only to its vendor's events)."""
    for vendor in installed().values():
        for module in vendor.rule_modules:
            __import__(module)
