"""TikTok's pixel, the first vendor: recognised by `recognise.recognise_tiktok` (hosts and
paths), decoded by `decode` (pixel, action, Events API and SDK hits), checked by the rules in
`inspect.rules` (every rule registered with `vendor="tiktok"`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import PixelEvent
    from pixelhelper.recognise import Recognition


class TikTok:
    id: str = "tiktok"
    name: str = "TikTok Pixel"
    host_markers: tuple[bytes, ...] = (b"tiktok", b"pangle-ads")
    rule_modules: tuple[str, ...] = ()  # registered with `inspect.rules` itself

    def host(self, name: str) -> bool:
        from pixelhelper.recognise import host_role

        return host_role(name) is not None

    def recognise(self, method: str, url: str) -> Recognition | None:
        from pixelhelper.recognise import (
            recognise_tiktok,
        )  # here: `pixelhelper rules` loads vendors, not recognisers

        return recognise_tiktok(method, url)

    def decode(self, request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
        from pixelhelper.decode import decode_tiktok

        return decode_tiktok(request, recognition)


VENDOR = TikTok()
