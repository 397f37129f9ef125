"""Log records that leave the proxy carry no credential and no terminal escape.

Exceptions raised while inspecting a request can quote the request (a URL with an access token,
a body fragment); the filter scrubs every record's message and its formatted traceback.
"""

from __future__ import annotations

import asyncio
import logging
import traceback

from pixelhelper.output.terminal import neutralise
from pixelhelper.redact import scrub_text


class ScrubFilter(logging.Filter):
    """Rewrites a record in place: message scrubbed and neutralised, traceback too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg = neutralise(scrub_text(record.getMessage()))
            record.args = ()
            if record.exc_info:
                text = "".join(traceback.format_exception(*record.exc_info))
                record.exc_text = scrub_text(text)
                record.exc_info = None
        except Exception:  # a log filter must never be the thing that breaks the proxy
            record.msg, record.args = "pixelhelper: (unprintable log message)", ()
        return True


class CancelledAtShutdown(logging.Filter):
    """Drops asyncio's report of a connection task that was cancelled (CPython gh-113538).

    When the proxy stops with a browser's keep-alive connections still open, mitmproxy cancels
    their tasks, and on Python before 3.12.2 / 3.11.8 asyncio's stream callback then raises
    on the cancelled task and logs "Exception in callback ..." with a traceback: noise on the
    user's terminal at every Ctrl-C, about nothing that went wrong. Only that record is
    dropped; every other asyncio error is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, asyncio.CancelledError)


def quiet_cancelled_connections() -> None:
    """Install `CancelledAtShutdown` on asyncio's logger, once."""
    logger = logging.getLogger("asyncio")
    if not any(isinstance(f, CancelledAtShutdown) for f in logger.filters):
        logger.addFilter(CancelledAtShutdown())
