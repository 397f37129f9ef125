"""Browse one site through its own pixelhelper proxy, in a child process of the crawl task.

`python -m pixelhelper.crawl.visit` reads its plan (JSON) on standard input, never on the
command line, where any local user could read a site's credentials in /proc/*/cmdline. It
starts mitmdump with the addon on a free loopback port (saving the site's pixel traffic), a
fresh headless Chromium through it, visits the start page and then same-site links found on
the pages, breadth-first, up to `pages` pages. It prints one JSON line: pages visited, the
start page's HTTP status and problems.

Running it as a child gives the task a hard deadline: at the site's timeout the task kills
the child's whole process group (Playwright's driver with it), and mitmdump, bound to the
child by the kernel (PDEATHSIG), shuts down and closes the capture.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

from pixelhelper.domains import split

MAX_LINKS_PER_PAGE = 200
BODY_SIZE_LIMIT = "64m"
"""A crawled site's response larger than this is refused by its proxy (the browser sees a 502):
an unattended crawl holds no gigabyte page in Chromium's memory."""


@dataclass
class VisitPlan:
    site: str
    save: str
    pages: int = 5
    wait: float = 1.0
    clicks: list[str] = field(default_factory=list)
    mode: str = "observe"
    page_timeout: float = 20.0
    chromium: str = "/usr/bin/chromium"
    fill: dict[str, str] | None = None  # `--fill`: the identity values to type
    submit: bool = False
    consent: list[str] = field(default_factory=list)  # `--consent`: the modes
    journey: dict[str, Any] | None = None  # `--journey`: the journey file, read
    identity: dict[str, str] = field(default_factory=dict)  # the values a journey types
    fills: list[Any] = field(default_factory=list)  # what `--fill` did (not part of the plan)


def same_site(start: str, url: str) -> bool:
    """The same registrable domain for names; the same host and port for IPs and localhost."""
    try:
        a, b = urlsplit(start), urlsplit(url)
        if b.scheme not in ("http", "https"):
            return False
        host_a, host_b = (a.hostname or "").lower(), (b.hostname or "").lower()
        parts = split(host_a)
        if not parts.suffix or host_a == "localhost":  # an IP address or a bare name
            return host_a == host_b and a.port == b.port
        return split(host_b).registered == parts.registered
    except ValueError:
        return False


def _links(page: Any) -> list[str]:
    try:
        hrefs = page.eval_on_selector_all(
            "a[href]", f"els => els.slice(0, {MAX_LINKS_PER_PAGE}).map(e => e.href)"
        )
    except Exception:  # noqa: BLE001  (a page that navigates away or blocks scripts)
        return []
    return [h for h in hrefs if isinstance(h, str)]


def browse_site(plan: VisitPlan, proxies: list[str]) -> dict[str, Any]:
    """Breadth-first over same-site links (found on the first lane's pages), each page in
    every consent mode's lane; every page failure is a problem line."""
    from pixelhelper.consent import lanes as lanes_
    from pixelhelper.consent.modes import parse_modes
    from pixelhelper.consent.timeline import ModeLog
    from pixelhelper.scan import after_load, headless_browser

    visited: list[str] = []
    problems: list[str] = []
    status: int | None = None
    queue: deque[str] = deque([plan.site])
    seen = {urldefrag(plan.site)[0]}
    logs: list[ModeLog] = []
    modes = parse_modes(",".join(plan.consent)) if plan.consent else ()
    journey = _journey(plan)
    manual = journey is not None and not modes and journey.consent_action() is not None
    if manual:
        modes = parse_modes(str(journey.consent_action()))
    walked = None
    with (
        headless_browser(plan.chromium, proxies[0]) as browser,
        lanes_.open_lanes(
            browser, modes, proxies, plan.page_timeout, logs, [plan.site], manual=manual
        ) as lanes,  # fmt: skip
    ):
        if journey is not None:
            walked = _walk(journey, plan, lanes, problems)
            visited = list(dict.fromkeys(s.url for s in walked.steps if s.url))
            status = walked.steps[0].http_status
        while journey is None and queue and len(visited) < plan.pages:
            url = queue.popleft()
            loaded, response = lanes_.goto(lanes, url, problems)
            if not visited and response is not None:
                status = response.status
            if not loaded:
                if not visited and status is None:
                    visited.append(url)
                continue
            visited.append(url)
            # typed as on the start page: only this site's pages are here
            after_load(loaded, plan, plan.site, problems, plan.page_timeout, len(visited) == 1)
            for link in _links(loaded[0].page):
                key = urldefrag(link)[0]
                if key not in seen and same_site(plan.site, key):
                    seen.add(key)
                    queue.append(key)
        lanes_.conclude(lanes, plan.wait)
    fills = [
        {"page": f.page, "fields": [[x.classified_as, x.selector] for x in f.fields],
         "submitted": f.submitted, "submitted_at": f.submitted_at}
        for f in plan.fills
    ]  # fmt: skip
    return {"pages": len(visited), "status": status, "problems": problems, "fills": fills,
            "consent": [log.model_dump(mode="json") for log in logs],
            "journey": walked.model_dump(mode="json") if walked else None}  # fmt: skip


def _journey(plan: VisitPlan) -> Any:
    """The plan's journey, read back (it was checked when the crawl began)."""
    if not plan.journey:
        return None
    from pixelhelper.journey.model import Journey

    return Journey.model_validate(plan.journey)


def _walk(journey: Any, plan: VisitPlan, lanes: list[Any], problems: list[str]) -> Any:
    """The journey from the site's page, acting on this site only."""
    from pixelhelper.journey.run import failure_line, walk_lanes

    log = walk_lanes(journey, lanes, plan.site, timeout=plan.page_timeout, wait=plan.wait,
                     values=plan.identity, fills=plan.fills, site=plan.site)  # fmt: skip
    if line := failure_line(log):
        problems.append(line)
    return log


def visit(plan: VisitPlan) -> dict[str, Any]:
    """Start the site's proxy (a port per consent mode), browse it, stop the proxy (closing
    the capture)."""
    from pixelhelper.live.proxy import ProxyConfig, free_port, start_background, stop

    config = ProxyConfig(  # one short visit: a second process would cost more than it saves
        port=free_port(), mode=plan.mode, save=plan.save, view="none", summary=False,
        inspector_process=False, body_size_limit=BODY_SIZE_LIMIT,
        ports=[free_port() for _ in plan.consent[1:]],
    )  # fmt: skip
    process = start_background(config)
    try:
        ports = (config.port, *config.ports)
        return browse_site(plan, [f"http://127.0.0.1:{port}" for port in ports])
    finally:
        stop(process)


def main(argv: list[str]) -> int:
    plan = VisitPlan(**json.loads(argv[0] if argv else sys.stdin.read()))
    try:
        outcome = visit(plan)
    except Exception as exc:  # noqa: BLE001  (reported to the task as the site's error)
        outcome = {
            "pages": 0,
            "status": None,
            "problems": [],
            "error": f"{type(exc).__name__}: {exc}",
        }
    print(json.dumps(outcome), flush=True)
    return 0


def plan_json(plan: VisitPlan) -> str:
    plan_dict = asdict(plan)
    plan_dict.pop("fills")
    return json.dumps(plan_dict)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
