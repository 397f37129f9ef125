"""One site as one task: visit it under a deadline, audit its capture, return its row.

`crawl_site` runs on a Dask worker (or anywhere: it needs no Dask). It takes and returns plain
dicts, never raises for anything the site does, and bounds the whole site by `timeout`: Dask
cannot stop a running task, so the deadline lives here, on the child process that browses.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pixelhelper.crawl.sites import shown_site, site_id
from pixelhelper.crawl.visit import VisitPlan, plan_json

ROW_KEYS = (
    "site",
    "status",
    "error",
    "pages",
    "pixels",
    "vendors",
    "events",
    "categories",
    "rules",
    "capture",
    "report",
    "leaks",
    "consent",
    "journey",
    "duration_s",
    "worker",
)
SETTLE = 5.0  # seconds the capture may take to be closed after a killed visit


def worker_name() -> str:
    """The Dask worker running this task (its name), else host:pid."""
    try:
        from distributed import get_worker

        worker = get_worker()
        return str(worker.name if worker.name is not None else worker.address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def crawl_site(job: dict[str, Any]) -> dict[str, Any]:
    """`{"row": ..., "capture": bytes | None, "report": str | None}` for one site.

    The work happens in a private temporary directory on the worker, and the files come back
    with the row: the crawl directory need not be shared with the workers of a cluster. On a
    local cluster that directory is made under `job["work_root"]`, which the crawl removes when
    it ends however it ends (a Ctrl-C kills workers before they can clean up).
    """
    root = job.get("work_root")
    if root:
        Path(root).mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pixelhelper-crawl-", dir=root or None) as work:
        return _crawl(job, Path(work))


def _crawl(job: dict[str, Any], work: Path) -> dict[str, Any]:
    started = time.monotonic()
    site = str(job["site"])
    name = site_id(site)
    capture = work / "captures" / f"{name}.flow"
    report_path = work / "reports" / f"{name}.json"
    for path in (capture, report_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    error: str | None = None
    pages = 0
    try:
        outcome = _visit(job, site, capture)
        job = {**job, "fills": outcome.get("fills") or [], "consent_log": outcome.get("consent"),
               "journey_log": outcome.get("journey")}  # fmt: skip
        pages = int(outcome.get("pages") or 0)
        error = _error_of(outcome)
    except Exception as exc:  # noqa: BLE001  (a row, never a lost site)
        error = f"{type(exc).__name__}: {exc}"
    row: dict[str, Any] = {
        "site": shown_site(site),
        "status": "ok",
        "error": None,
        "pages": pages,
        "pixels": [],
        "vendors": {},
        "events": 0,
        "categories": {},
        "rules": {},
        "capture": None,
        "report": None,
        "leaks": {},
        "consent": None,
        "journey": None,
    }
    try:
        row.update(_audit(capture, report_path, work, job))
    except Exception as exc:  # noqa: BLE001
        error = error or f"audit failed: {type(exc).__name__}: {exc}"
    if error:
        # the site as given may carry credentials or an email: its errors quote it as shown
        row["status"], row["error"] = "error", _safe(error.replace(site, shown_site(site)))
    row["duration_s"] = round(time.monotonic() - started, 2)
    row["worker"] = worker_name()
    return {
        "row": {key: row[key] for key in ROW_KEYS},
        "capture": capture.read_bytes() if row["capture"] else None,
        "report": report_path.read_text(encoding="utf-8") if row["report"] else None,
        "consent_log": _beside(capture, ".consent.json") if row["capture"] else None,
        "journey_log": _beside(capture, ".journey.json") if row["capture"] else None,
    }


def _beside(capture: Path, suffix: str) -> str | None:
    sidecar = Path(str(capture) + suffix)
    return sidecar.read_text(encoding="utf-8") if sidecar.is_file() else None


def _visit(job: dict[str, Any], site: str, capture: Path) -> dict[str, Any]:
    timeout = float(job.get("timeout", 60))
    plan = VisitPlan(
        site=site,
        save=str(capture),
        pages=int(job.get("pages", 5)),
        wait=float(job.get("wait", 1.0)),
        clicks=list(job.get("clicks") or []),
        mode=str(job.get("mode", "observe")),
        page_timeout=max(2.0, min(20.0, timeout / 2)),
        chromium=str(job.get("chromium") or "/usr/bin/chromium"),
        fill=job.get("fill") or None,
        submit=bool(job.get("submit")),
        consent=list(job.get("consent") or []),
        journey=job.get("journey") or None,
        identity=dict(job.get("journey_identity") or {}),
    )
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # the plan on stdin: a site's credentials stay off argv
            [sys.executable, "-m", "pixelhelper.crawl.visit"],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, _ = process.communicate(plan_json(plan).encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            _settle(capture)
            return {"pages": 0, "error": f"timeout: the site took longer than {timeout:g} s"}
        finally:
            _kill_group(process)  # whatever is left of the visit (Playwright's driver)
        lines = [line for line in stdout.decode("utf-8", "replace").splitlines() if line.strip()]
        if process.returncode != 0 or not lines:
            errors.seek(0)
            tail = errors.read()[-500:].decode("utf-8", "replace").strip().splitlines()
            return {
                "pages": 0,
                "error": f"the browser process failed ({process.returncode}): "
                f"{tail[-1] if tail else 'no output'}",
            }
    outcome: dict[str, Any] = json.loads(lines[-1])
    return outcome


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _settle(capture: Path) -> None:
    """After a kill, mitmdump (bound to the visit by PDEATHSIG) closes the capture: wait until
    its size stops changing, briefly."""
    deadline = time.monotonic() + SETTLE
    last = -1
    while time.monotonic() < deadline:
        size = capture.stat().st_size if capture.exists() else 0
        if size == last:
            return
        last = size
        time.sleep(0.5)


def _error_of(outcome: dict[str, Any]) -> str | None:
    if outcome.get("error"):
        return str(outcome["error"])
    status = outcome.get("status")
    if isinstance(status, int) and status >= 400:
        return f"HTTP {status} from the start page"
    problems = outcome.get("problems") or []
    if not outcome.get("pages") or (problems and outcome.get("status") is None):
        return str(problems[0]) if problems else "no page could be loaded"
    return None


def _audit(capture: Path, report_path: Path, out: Path, job: dict[str, Any]) -> dict[str, Any]:
    """The capture's audit: the row's counts, and the report written beside it."""
    from pixelhelper.audit import audit_paths
    from pixelhelper.consent import timeline
    from pixelhelper.consent.summary import consent_section, crawl_consent
    from pixelhelper.files import write_text
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.journey import log as journey_log
    from pixelhelper.report import build_report

    logs = [timeline.ModeLog.model_validate(item) for item in job.get("consent_log") or []]
    walked = job.get("journey_log")
    journey = journey_log.JourneyLog.model_validate(walked) if walked else None
    recorded = capture.exists() and capture.stat().st_size > 0
    if not recorded:
        capture.unlink(missing_ok=True)
        if not logs and journey is None:
            return {}
    else:  # a later audit of the capture knows the modes and the journey
        if logs:
            timeline.write(timeline.sidecar(capture), logs)
        if journey is not None:
            journey_log.write(journey_log.sidecar(capture), journey)
    typed: dict[str, str] = {}
    for fill in job.get("fills") or []:
        for kind, selector in fill.get("fields") or []:
            typed.setdefault(str(kind), str(selector))
    times = [f["submitted_at"] for f in job.get("fills") or [] if f.get("submitted_at")]
    options = InspectOptions(
        region=job.get("region"), known_identities=job.get("known_identities"),
        identity=job.get("identity") if job.get("fill") or job.get("journey_identity") else None,
        typed_into=tuple(typed.items()), submitted_at=min(times) if times else None,
    )  # fmt: skip
    if recorded:
        result = audit_paths([capture], options)
    else:  # no TikTok traffic in any mode: what the modes did is still the row's
        from pixelhelper.audit import Audit

        audit = Audit(options)
        audit.add_consent(logs)
        if journey is not None:
            audit.add_journey(journey)
        result = audit.finish()
    report = build_report(result)
    write_text(report_path, json.dumps(report, indent=1) + "\n")
    sensitive = Counter(f.category for f in result.findings if f.type == "sensitive")
    rules = Counter(f.rule for f in result.findings)
    leaks = Counter(f.stage or "typed" for f in result.findings if f.rule == "form-data-leak")
    return {
        "pixels": [p["code"] for p in report["pixels"]],
        "vendors": {p["code"]: p.get("vendor", "tiktok") for p in report["pixels"]},
        "events": len(report["events"]),
        "categories": dict(sorted(sensitive.items())),
        "rules": dict(sorted(rules.items())),
        "capture": capture.relative_to(out).as_posix() if recorded else None,
        "report": report_path.relative_to(out).as_posix(),
        "leaks": dict(sorted(leaks.items())),
        "consent": crawl_consent(consent_section(result)) if logs else None,
        "journey": _journey_row(journey),
    }


def _journey_row(journey: Any) -> dict[str, Any] | None:
    """A row's `journey`: `{"status", "steps", "failed_step", "error"}`."""
    if journey is None:
        return None
    failed = journey.failed
    return {"status": journey.status, "steps": len(journey.steps) - 1,
            "failed_step": failed.index if failed else None,
            "error": _safe(failed.error or "failed") if failed else None}  # fmt: skip


def _safe(text: str) -> str:
    from pixelhelper.output.terminal import neutralise

    return neutralise(shown_site(text))[:500]  # credentials and emails withheld, as in a site
