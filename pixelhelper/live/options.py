"""The addon's options (`pixelhelper_*`, declared on mitmproxy's global namespace), their
checks and the inspection state built from them, and the refusal of an option given twice,
which would make mitmproxy drop the addon silently."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.live.state import LiveState

log = logging.getLogger("pixelhelper")

# The options whose change rebuilds the inspection state.
_STATE_OPTIONS = frozenset({"pixelhelper_known_identities", "pixelhelper_region",
                            "pixelhelper_show_values", "pixelhelper_identity", "pixelhelper_mode",
                            "pixelhelper_save", "pixelhelper_listen"})  # fmt: skip

MODES = ("observe", "block", "redact")
VIEWS = ("auto", "live", "lines", "none", "stream")


def declare_options(loader: Any) -> None:
    loader.add_option(
        "pixelhelper_mode", str, "observe",
        "observe: pass pixel traffic unchanged; block: answer every request to a TikTok "
        "pixel host locally (never reaches TikTok; fails closed); redact: forward with the "
        "values flagged sensitive removed, block what cannot be redacted.",
        choices=MODES,
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_known_identities", str, "",
        "File of test emails/phones; hashed copies in the traffic are reported.",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_identity", str, "",
        "A test identity (TOML) typed into forms; found under any encoding (form-data-leak).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_region", str, "",
        "Default country (ISO 3166 alpha-2) for national phone numbers.",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_save", str, "",
        "Write the session to this mitmproxy flow file (0600: it keeps raw traffic).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_save_all", bool, False,
        "With pixelhelper_save: save every flow, not only pixel traffic.",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_report", str, "", "On exit, write the JSON audit report to this file."
    )
    loader.add_option(
        "pixelhelper_view", str, "auto",
        "auto: live view on a terminal, one line per event otherwise; live; lines; none; "
        "stream: records to the pixelhelper app (set by `pixelhelper live`).",
        choices=VIEWS,
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_show_values", bool, False,
        "Show raw sensitive values instead of masked ones (credentials stay hidden).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_allow_sdk", bool, False,
        "In block mode, let the SDK's JavaScript files load (Cookie and Referer removed) so "
        "that a real site's pixel runs; its events are still blocked.",
    )  # fmt: skip
    loader.add_option("pixelhelper_summary", bool, True, "On exit, print the session report.")
    loader.add_option(
        "pixelhelper_inspector_process", bool, True,
        "In observe mode, decode and inspect pixel requests in a separate process and "
        "forward them at once (false: inspect in the proxy itself).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_listen", str, "",
        "Listen address shown in the status line (set by `pixelhelper live`).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_stream", str, "",
        "Unix socket of the pixelhelper app (set by `pixelhelper live`).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_summary_file", str, "",
        "Write the exit summary to this file instead of stdout (set by `pixelhelper live`).",
    )  # fmt: skip
    loader.add_option(
        "pixelhelper_parent_pid", int, 0,
        "End the proxy when this process dies (set by `pixelhelper live`).",
    )  # fmt: skip


_REFUSED_EXIT_AFTER = 0.5  # s; a fallback: mitmdump's own start-up check exits first


def repeated_options(options: Any) -> list[str]:
    """The `pixelhelper_*` options given more than once on mitmdump's command line."""
    deferred = getattr(options, "deferred", None) or {}
    return sorted(
        name
        for name, value in deferred.items()
        if name.startswith("pixelhelper_") and len(getattr(value, "val", None) or ()) > 1
    )


def refuse_repeated_options(master: Any) -> None:
    """Stop the proxy when a pixelhelper option was given twice.

    mitmproxy applies a script's options just after its `load` hook, and a single-valued option
    with two values makes that step fail ("Received multiple values"). The script is then
    not loaded at all, and mitmdump runs on without it, silently: in block mode every pixel
    request would reach TikTok. So the addon logs the error itself, which makes mitmdump exit
    with status 1 during start-up (its `errorcheck`); should a later mitmproxy load scripts
    after that check, the proxy is shut down a moment later all the same."""
    repeated = repeated_options(master.options)
    if repeated:
        log.error("pixelhelper: %s given more than once; give each option once "
                  "(the proxy does not start)", ", ".join(repeated))  # fmt: skip
        with contextlib.suppress(RuntimeError):  # no running loop: nothing is proxied yet
            asyncio.get_running_loop().call_later(_REFUSED_EXIT_AFTER, master.shutdown)


def checked_state(opts: Any, updated: set[str], rebuild: bool) -> LiveState | None:
    """Check the options just `updated`, then the inspection state they make: a new one when
    one of them matters to it (or `rebuild`), else None (keep the current one).

    Raises:
        mitmproxy.exceptions.OptionsError: a bad mode, an unwritable file, an option that
            would let block mode pass TikTok's hosts, an unusable identities file.
    """
    from mitmproxy import exceptions

    from pixelhelper.errors import PixelHelperError
    from pixelhelper.files import check_writable
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.live.answers import enforce_local_answers
    from pixelhelper.live.state import LiveSettings, LiveState

    if "pixelhelper_mode" in updated and opts.pixelhelper_mode not in MODES:
        raise exceptions.OptionsError(f"pixelhelper_mode must be one of {', '.join(MODES)}")
    if opts.pixelhelper_mode in ("block", "redact"):
        enforce_local_answers(opts)
    for name in ("pixelhelper_save", "pixelhelper_report"):
        if name in updated and getattr(opts, name):
            try:
                check_writable(getattr(opts, name), name)
            except PixelHelperError as exc:
                raise exceptions.OptionsError(str(exc)) from exc
    if not rebuild and not (updated & _STATE_OPTIONS):
        return None
    options = InspectOptions(
        region=opts.pixelhelper_region or None,
        known_identities=opts.pixelhelper_known_identities or None,
        identity=opts.pixelhelper_identity or None,
    )
    address = f"{opts.listen_host or '127.0.0.1'}:{opts.listen_port or 8080}"
    listen = opts.pixelhelper_listen or address
    settings = LiveSettings(listen=listen, mode=opts.pixelhelper_mode,
                            save=opts.pixelhelper_save or None,
                            show_values=opts.pixelhelper_show_values)  # fmt: skip
    try:
        return LiveState(settings=settings, options=options)
    except PixelHelperError as exc:
        raise exceptions.OptionsError(str(exc)) from exc
