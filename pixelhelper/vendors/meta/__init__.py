"""The Meta Pixel, the second vendor: the loader (`connect.facebook.net/.../fbevents.js`,
`signals/config/<id>`), browser hits to `facebook.com/tr` (GET query, POST form, beacon) and
the Conversions API (`graph.facebook.com/v*/<pixel>/events`). `recognise` says which a request
is, `decode` reads it into the shared event model (every parameter kept in `payload`, exactly
as sent), `rules` holds its setup rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import PixelEvent
    from pixelhelper.recognise import Recognition


class Meta:
    id: str = "meta"
    name: str = "Meta Pixel"
    host_markers: tuple[bytes, ...] = (b"facebook",)
    rule_modules: tuple[str, ...] = ("pixelhelper.vendors.meta.rules",)

    def host(self, name: str) -> bool:
        """False for every name: the Meta Pixel shares its hosts with Facebook itself (the
        site, the login SDK), so only the requests `recognise` knows are the pixel's."""
        return False

    def recognise(self, method: str, url: str) -> Recognition | None:
        from pixelhelper.vendors.meta.recognise import (
            recognise_meta,
        )  # here: `pixelhelper rules` loads vendors, not recognisers

        return recognise_meta(method, url)

    def decode(self, request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
        from pixelhelper.vendors.meta.decode import decode_meta

        return decode_meta(request, recognition)


VENDOR = Meta()
