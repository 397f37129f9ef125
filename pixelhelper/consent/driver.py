"""One consent mode in one Playwright browser context.

`ConsentDriver.install(context)` prepares a fresh context for its mode before any page opens:
- every mode runs DuckDuckGo's autoconsent content script in every frame (an init script),
  talking to this driver through a binding, so a banner that is shown is seen;
- `reject` and `accept` answer the banner: on `popupFound` the driver notes the time and asks
  autoconsent to opt out or in (its rules know how, per consent platform);
- `gpc` sends `Sec-GPC: 1` with every request and makes `navigator.globalPrivacyControl` true
  in every frame (Chromium has no setting for it).

Messages come from pages, so from hostile code too: each is read as plain data, bounded in
number and size, and answered only in the frame that sent it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from pixelhelper.consent.bundle import content_script, init_answer, rules_json
from pixelhelper.consent.modes import AUTO_ACTION, Mode
from pixelhelper.consent.timeline import ModeLog

GPC_SCRIPT = (
    "(() => { try { Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
    "{ get: () => true, configurable: true, enumerable: true }); } catch (e) {} })();"
)
CONFIG: dict[str, Any] = {
    "enabled": True,
    "autoAction": None,  # the driver decides, so it knows when the choice began
    "disabledCmps": [],
    "enablePrehide": False,  # nothing hidden: the page behaves as for a visitor
    "enableCosmeticRules": False,  # hiding a banner is no choice
    "enableGeneratedRules": True,
    "enableHeuristicDetection": False,
    "detectRetries": 8,
    "isMainWorld": True,  # it runs in the page's world: rule checks are called, not sent
    "visualTest": False,
    "logs": {"lifecycle": False, "rulesteps": False, "detectionsteps": False, "evals": False,
             "errors": False, "messages": False, "waits": False},
}  # fmt: skip
CONFIG_JSON = json.dumps(CONFIG)
SETTLED = {
    "detect": {"nothingDetected", "openPopupDetected"},
    "act": {"nothingDetected", "done", "optOutSucceeded", "optOutFailed", "optInSucceeded",
            "optInFailed"},
}  # fmt: skip
BUSY = {"openPopupDetected", "runningOptOut", "runningOptIn"}
QUIET = 0.5
"""Seconds without news from autoconsent after which a page with no banner yet counts as
settled: between attempts it waits for the page's DOM to change, and a banner cannot appear
without a change (one that does later is still answered while the visit goes on)."""
PATIENCE = 2.0
"""Seconds after a site's first page began to load before a quiet autoconsent counts as done:
consent platforms load their banner from a script of their own, often a second after the
page, and the DOM may be still until it comes."""
MAX_MESSAGES = 5000  # per mode: a page that floods the binding is ignored past this
ACT_DELAY = 0.5
"""Seconds between seeing a banner and answering it (see `ConsentDriver.tick`)."""
MAX_ACTIONS = 5  # banners answered per mode (one that keeps coming back is a failure)
MAX_EVAL = 20_000  # characters of an eval request run for a rule


class ConsentDriver:
    """Drives one mode; `log` is what happened, for the audit."""

    def __init__(
        self,
        mode: Mode,
        port: int | None = None,
        clock: Callable[[], float] = time.time,
        manual: bool = False,
    ) -> None:
        self.mode = mode
        self.manual = manual  # a journey's `consent` step answers, when it comes (`choose`)
        self.clock = clock
        self.log = ModeLog(mode=mode, started=clock(), port=port)
        self._messages = 0
        self._lifecycle: str | None = None  # the main frame's, on the current page
        self._pending: float | None = None  # when an action was asked for, until its result
        self._news = clock()  # when autoconsent last said anything
        self._loading = clock()  # when the current page began to load
        self._due: tuple[float, Any] | None = None  # when to answer a banner seen, and where
        self._banner: Any = None  # the frame of the banner seen on the current page
        self._asked = False  # `choose` was called: answer the banner, now or when it shows

    # ------------------------------------------------------------------ setup

    def install(self, context: Any, urls: Sequence[str] = ()) -> None:
        """Prepare a fresh context (before its first page) for a visit to `urls`' sites."""
        if self.mode == "gpc":
            context.set_extra_http_headers({"Sec-GPC": "1"})
            context.add_init_script(script=GPC_SCRIPT)
        context.expose_binding("autoconsentSendMessage", self._on_message)
        context.add_init_script(script=init_answer(urls, CONFIG))
        context.add_init_script(script=content_script())

    # ------------------------------------------------------------------ messages

    def _on_message(self, source: Any, message: Any) -> None:
        self._messages += 1
        if self._messages > MAX_MESSAGES or not isinstance(message, dict):
            return
        frame = source.get("frame") if isinstance(source, dict) else None
        kind = message.get("type")
        self._news = self.clock()
        try:
            if kind == "init" and frame is not None:
                self._init(frame)
            elif kind == "eval" and frame is not None:
                self._eval(frame, message)
            elif kind == "report" and message.get("mainFrame") is True:
                state = message.get("state")
                if isinstance(state, dict) and isinstance(state.get("lifecycle"), str):
                    self._lifecycle = state["lifecycle"][:40]
            elif kind == "cmpDetected":
                self.log.cmp = self.log.cmp or _text(message.get("cmp"))
            elif kind == "popupFound" and frame is not None:
                self._popup(frame, message)
            elif kind in ("optOutResult", "optInResult"):
                self._result(message.get("result") is True)
            elif kind == "autoconsentError" and len(self.log.errors) < 20:
                self.log.errors.append(_text(str(message.get("details"))) or "error")
        except Exception:  # noqa: BLE001,S110  (a frame gone mid-answer: never the visit)
            pass

    def _init(self, frame: Any) -> None:
        url = str(frame.url)
        if not url.startswith(("http:", "https:")):
            return  # a new page's about:blank, a data: frame: no site, no banner
        main = frame.parent_frame is None
        if main:
            self._lifecycle = None  # a new page in the main frame
        frame.evaluate(
            "([config, rules]) => { window.autoconsentReceiveMessage && "
            "window.autoconsentReceiveMessage({type: 'initResp', config: JSON.parse(config), "
            "rules: JSON.parse(rules)}); }",
            [CONFIG_JSON, rules_json(url, main)],
        )

    def _eval(self, frame: Any, message: dict[str, Any]) -> None:
        """A rule's check run in the page (`eval` steps): the page's own code in its own
        frame, answered with a plain true or false."""
        code, ident = message.get("code"), message.get("id")
        if not isinstance(code, str) or not isinstance(ident, str) or len(code) > MAX_EVAL:
            return
        try:
            result = bool(frame.evaluate(code))
        except Exception:  # noqa: BLE001  (the rule's check failed: false, as autoconsent does)
            result = False
        frame.evaluate(
            "m => { window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(m); }",
            {"type": "evalResp", "id": ident[:100], "result": result},
        )

    def _popup(self, frame: Any, message: dict[str, Any]) -> None:
        now = self.clock()
        self.log.cmp = _text(message.get("cmp")) or self.log.cmp
        if self.log.banner_at is None:
            self.log.banner_at = now
        self._banner = frame
        if self.manual and not self._asked:
            return  # the journey's `consent` step answers it
        if self.mode in AUTO_ACTION and self._due is None and self._pending is None:
            self._due = (now + (0 if self.manual else ACT_DELAY), frame)

    def choose(self) -> None:
        """A journey's `consent` step: answer the banner of the current page now, or as soon
        as it shows."""
        self._asked = True
        if self._banner is not None and self._due is None and self._pending is None:
            self._due = (self.clock(), self._banner)

    def redetect(self, frame: Any) -> None:
        """Look for the banner again in `frame` (autoconsent's detection, started afresh): a
        journey's `consent` step whose banner was drawn after autoconsent gave up on it."""
        with contextlib.suppress(Exception):  # a frame gone: nothing to look in
            self._init(frame)

    @property
    def answered(self) -> bool:
        """After `choose`: the banner was answered (or the answer failed)."""
        return self._due is None and self._pending is None and self.log.attempts > 0

    def tick(self) -> None:
        """Answer a banner whose time has come (called between short waits). The choice is
        made ACT_DELAY seconds after the banner was seen, so that what the page sent before
        it has reached the proxy by then: a request's capture time is when the proxy read
        it, and a loaded machine delivers a beacon late."""
        if self._due is None or self.clock() < self._due[0]:
            return
        frame, self._due = self._due[1], None
        if self.log.attempts >= MAX_ACTIONS:
            return
        self.log.attempts += 1
        self._pending = self.clock()  # the choice begins now: before autoconsent clicks
        try:  # not awaited: the opt-out runs while the visit goes on
            frame.evaluate(
                "m => { window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(m); }",
                {"type": AUTO_ACTION[self.mode]},
            )
        except Exception:  # noqa: BLE001  (the page went away: the banner goes unanswered)
            self._pending = None

    def _result(self, succeeded: bool) -> None:
        began, self._pending = self._pending, None
        if began is None:
            return  # a result nobody asked for (a page speaking for autoconsent)
        if succeeded:
            if self.log.choice_at is None:
                self.log.choice_at = began
            self.log.action = "opted-out" if self.mode == "reject" else "opted-in"
        elif self.log.choice_at is None:
            self.log.action = "failed"

    # ------------------------------------------------------------------ waiting

    def settled(self, patient: bool = True) -> bool:
        """Whether autoconsent has finished on the current page: found nothing, found a
        banner (and, acting, answered it), or has had nothing to say for QUIET seconds.
        Not `patient` (a later page of a site): only an answer under way is waited for."""
        if self._pending is not None or self._due is not None:
            return False
        if not patient:
            return True
        acting = self.mode in AUTO_ACTION and not self.manual
        if self._lifecycle in SETTLED["act" if acting else "detect"]:
            return True
        now = self.clock()
        if now - self._loading < PATIENCE:  # a consent platform's script may still be coming
            return False
        return (not acting or self._lifecycle not in BUSY) and now - self._news >= QUIET

    def loading(self) -> None:
        """A page is about to load: what autoconsent said of the last one is old news."""
        self._lifecycle = None
        self._news = self._loading = self.clock()
        self._due = self._banner = None  # a banner of the page being left is answered no more

    def finish(self) -> ModeLog:
        """The mode's log, closed now."""
        self.log.ended = self.clock()
        acted = self.mode in AUTO_ACTION and self.log.banner_at is not None
        acted = acted and (not self.manual or self.log.attempts > 0)
        if acted and self.log.choice_at is None:
            self.log.action = "failed"
        return self.log


def _text(value: Any) -> str | None:
    return str(value)[:200] if isinstance(value, str) and value else None
