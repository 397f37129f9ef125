"""Redact mode: strip flagged values from a pixel request, then prove the result is clean.

Redaction fails closed. The request is rebuilt with every flagged value (and its encoded
copies) replaced by `REDACTED`, then decoded and inspected again exactly as the audit would; if
anything sensitive is still found, or the body cannot be decoded, the request is blocked
instead of forwarded. That covers what no masking rule can foresee: a base64 copy of an email in
a legacy GET, a value split across fields, an encoding the masker does not know.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pixelhelper.capture import CapturedRequest
from pixelhelper.decode import BodyError, body_text, decode
from pixelhelper.decode.payload import loads
from pixelhelper.redact import Masker
from pixelhelper.wording import reword

if TYPE_CHECKING:
    from pixelhelper.inspect import Inspector
    from pixelhelper.models import Finding

REDACTED = "REDACTED"
_REWRITTEN_HEADERS = ("referer", "origin")


def reword_for_mode(findings: Sequence[Finding], mode: str, stripped: Sequence[str]) -> None:
    """Make findings say what happened to the value: in block mode the request never reached
    TikTok; in redact mode the values listed in `stripped` were removed before forwarding. A
    finding must not claim "sent to TikTok" or "TikTok receives it in plain text" for a value
    that never left: its `outcome` and its message say so (every report, view and format)."""
    for finding in findings:
        if finding.outcome != "sent":
            continue  # reworded already
        if mode == "block":
            outcome = "blocked"
        elif mode == "redact" and f"{finding.category} at {finding.location}" in stripped:
            outcome = "redacted"
        else:
            continue
        # assigned in place (not through pydantic's __setattr__, which would add the name to
        # the fields set findings share, see store.FindingCompactor)
        finding.__dict__["outcome"] = outcome
        if finding.type == "sensitive":
            finding.message = reword(finding.message, outcome)


@dataclass
class Outcome:
    """What redact mode does with one request.

    Attributes:
        blocked: Answer locally instead of forwarding.
        reason: Why it was blocked.
        changed: Forward the rewritten request below.
        text: The new body text (None: body unchanged).
        url: The new URL.
        headers: New values of Referer/Origin.
        stripped: What was removed, as `category at location` lines.
    """

    blocked: bool = False
    reason: str = ""
    changed: bool = False
    text: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    stripped: list[str] = field(default_factory=list)

    def apply(self, request: Any) -> None:
        """Rewrite a mitmproxy request (the body is re-encoded per its Content-Encoding)."""
        if self.text is not None:
            request.text = self.text
        request.url = self.url
        for name, value in self.headers.items():
            request.headers[name] = value


def _redacted_body(text: str, masker: Masker) -> str:
    try:
        document = loads(text)
    except BodyError:
        return masker.text(text)
    return json.dumps(masker.apply(document), separators=(",", ":"), ensure_ascii=False)


def redact_request(
    request: CapturedRequest,
    findings: Sequence[Finding],
    decode_failed: bool,
    inspector: Inspector,
) -> Outcome:
    """Decide and build the redacted form of one recognised pixel request."""
    if decode_failed:
        return Outcome(blocked=True, reason="the body could not be decoded")
    sensitive = [f for f in findings if f.type == "sensitive" and f.value]
    if not sensitive:
        return Outcome()
    masker = Masker(sensitive, replacement=lambda _finding: REDACTED)
    try:
        text, _warnings = body_text(request)
    except BodyError as exc:
        return Outcome(blocked=True, reason=str(exc))
    new_text = _redacted_body(text, masker) if text.strip() else None
    headers = {
        name: masker.text(value)
        for name in _REWRITTEN_HEADERS
        if (value := request.header(name)) is not None
    }
    outcome = Outcome(
        changed=True,
        text=new_text,
        url=masker.text(request.url),
        headers=headers,
        stripped=sorted({f"{f.category} at {f.location}" for f in sensitive}),
    )
    leftover = _still_sensitive(request, outcome, inspector)
    if leftover:
        return Outcome(blocked=True, reason=f"{leftover} still found after redaction")
    return outcome


def _still_sensitive(request: CapturedRequest, outcome: Outcome, inspector: Inspector) -> str:
    """Decode and inspect the rewritten request as the audit would; name what is left."""
    kept = tuple(
        (name, outcome.headers.get(name.lower(), value))
        for name, value in request.headers
        if name.lower() != "content-encoding"
    )
    body = request.body if outcome.text is None else outcome.text.encode("utf-8")
    if outcome.text is None and request.header("content-encoding"):
        body = body_text(request)[0].encode("utf-8")
    again = CapturedRequest(request.method, outcome.url, kept, body, source=request.source)
    for event in decode(again):
        if event.decode_error:
            return "an undecodable body"
        for finding in inspector.sensitive.findings(None, event):
            return f"{finding.category} at {finding.location}"
    return ""
