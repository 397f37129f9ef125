"""How findings are worded once the proxy kept their value from TikTok (block and redact mode).

A finding must not claim "sent to TikTok" or "TikTok receives it in plain text" for a value
that never left: the live proxy rewords its findings' messages (`reword`), and the reports
reword a rule's explanation when every one of its findings was kept (`kept_text`).
"""

from __future__ import annotations

SENT = " sent to TikTok"
RECEIVES = "; TikTok receives it in plain text"
KEPT = ("blocked", "redacted")
WHAT = {
    "blocked": " was blocked: it never reached TikTok.",
    "redacted": " was removed by redact mode before forwarding: it never reached TikTok.",
}


def reword(message: str, outcome: str) -> str:
    """A sensitive finding's message once its value was `outcome` (blocked or redacted)."""
    what = WHAT[outcome]
    message = message.replace(RECEIVES, "")
    if SENT + "." in message:
        return message.replace(SENT + ".", what, 1)
    return f"{message.rstrip('.')}. It{what}"


def kept_text(text: str) -> str:
    """A rule's summary or explanation for findings whose values never reached TikTok."""
    return text.replace(RECEIVES, "").replace(SENT, " in a request to TikTok")
