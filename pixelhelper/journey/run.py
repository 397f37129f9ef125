"""Walk a journey: load its start page in every lane, then its steps in order, timing each;
the first step that fails stops it (what was recorded until then stays recorded)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pixelhelper.journey.log import JourneyLog, StepLog
from pixelhelper.journey.steps import StepContext, StepError, perform, settle_after

if TYPE_CHECKING:
    from pixelhelper.journey.model import Journey

SKIPPED = ("no consent banner found", "the --consent mode decides", "already answered")


def walk(journey: Journey, ctx: StepContext, start: str) -> JourneyLog:
    """Run `journey` from `start` (its own `start`, or a crawled site's page) in `ctx.lanes`."""
    from pixelhelper.consent import lanes as lanes_

    log = JourneyLog(name=journey.name, start=start, steps=[
        StepLog(index=0, kind="start", target=start),
        *(StepLog(index=n, kind=s.kind, target=s.target) for n, s in enumerate(journey.steps, 1)),
    ])  # fmt: skip
    first = log.steps[0]
    first.started = time.time()
    problems: list[str] = []
    loaded, response = lanes_.goto(ctx.lanes, start, problems)
    first.http_status = response.status if response is not None else None
    if problems or not loaded:
        _end(first, "failed", problems[0] if problems else "the start page did not load", ctx)
        return log
    lanes_.settle(loaded, min(lanes_.SETTLE, ctx.timeout), patient=True)
    settle_after(ctx.lanes, ctx.timeout)
    _end(first, "ok", None, ctx)
    mark: str | None = None
    for step, entry in zip(journey.steps, log.steps[1:], strict=True):
        mark = step.mark or mark
        entry.mark = mark
        entry.started = time.time()
        try:
            note = perform(step, ctx)
        except StepError as exc:
            _end(entry, "failed", str(exc), ctx)
            break
        _end(entry, "skipped" if note in SKIPPED else "ok", None, ctx)
        entry.note = note
    return log


def walk_lanes(
    journey: Journey,
    lanes: list[Any],
    start: str,
    *,
    timeout: float,
    wait: float,
    values: dict[str, str],
    fills: list[Any],
    site: str | None = None,
) -> JourneyLog:
    """`walk` in these lanes (a crawl: acting on `site` only), then `wait` seconds for what
    the last step set off."""
    from pixelhelper.consent.lanes import pause
    from pixelhelper.crawl.visit import same_site

    context = StepContext(lanes, timeout, values=values, site=site, fills=fills,
                          same_site=lambda url: same_site(site or start, url))  # fmt: skip
    log = walk(journey, context, start)
    pause(lanes, wait)
    return log


def _end(entry: StepLog, status: str, error: str | None, ctx: StepContext) -> None:
    entry.status = status  # type: ignore[assignment]
    entry.error = error[:2000] if error else None
    entry.ended = time.time()
    if ctx.lanes:
        try:
            entry.url = str(ctx.lanes[0].page.url)[:5000]
        except Exception:  # noqa: BLE001  (a page gone: no address to tell)
            entry.url = None


def failure_line(log: JourneyLog) -> str | None:
    """`journey "Checkout": step 3 (click #buy): Timeout 5000ms exceeded.` for stderr."""
    failed = log.failed
    if failed is None:
        return None
    return f"journey {log.name!r}: step {failed.index} ({failed.kind} {failed.target}): " + (
        failed.error or "failed"
    )
