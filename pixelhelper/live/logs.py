"""Log records that leave the proxy carry no credential and no terminal escape.

Exceptions raised while inspecting a request can quote the request (a URL with an access token,
a body fragment); the filter scrubs every record's message and its formatted traceback.
"""

from __future__ import annotations

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
