"""`pixelhelper scan`: record pages with headless Chromium through the proxy, then audit them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import files
from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, emit, inspect_options, proxy_config, say
from pixelhelper.errors import ConfigError

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.scan import ScanPlan

from pixelhelper.cli.options import (
    Commands,
    add_consent_option,
    add_inspect_options,
    add_journey_option,
    add_proxy_options,
    add_report_options,
    add_visit_options,
)


def add_parser(commands: Commands) -> None:
    """The `scan` command and its options."""
    scan = commands.add_parser(
        "scan",
        help="record pages with headless Chromium through the proxy, then audit them",
        description="Drive headless Chromium (Debian's /usr/bin/chromium) through the "
        "pixelhelper proxy over the given URLs, save the capture, and print the audit.",
    )
    scan.add_argument(
        "urls", nargs="*", metavar="URL",
        help="pages to visit, in order (none with --journey)",
    )  # fmt: skip
    scan.add_argument(
        "--click", action="append", default=[], metavar="SELECTOR",
        help="CSS selector of elements to click on every page (repeatable)",
    )  # fmt: skip
    add_visit_options(scan)
    add_journey_option(scan, "instead of visiting URLs")
    scan.add_argument(
        "--fill", action="store_true",
        help="type a test identity into the identity fields of every page as a visitor does "
        "(--identity FILE, or one generated for the run); never passwords or cards",
    )  # fmt: skip
    scan.add_argument(
        "--submit", action="store_true",
        help="with --fill: submit each filled form once (never a payment form, never off the "
        "site) and keep recording the page it leads to",
    )  # fmt: skip
    add_consent_option(scan)
    add_proxy_options(scan)
    add_report_options(scan)
    add_inspect_options(scan)


def run(args: argparse.Namespace) -> int:
    """`pixelhelper scan`."""
    if args.output:
        files.refuse_inputs(args.output, [p for p in (args.save,) if p], "--output")
        files.check_writable(args.output, "--output")
    result, problems, plan = record(args, inspect_options(args))
    code = emit(result, args)
    if plan.journey_log is not None and plan.journey_log.failed is not None:
        return EXIT_ERROR  # a step failed: the journey did not happen as written
    return EXIT_ERROR if problems and code == EXIT_OK else code


def record(
    args: argparse.Namespace, options: InspectOptions
) -> tuple[AuditResult, list[str], ScanPlan]:
    """Visit the pages (or walk `--journey`) through the proxy, save the capture (and what
    the consent modes and the journey did, beside it) and audit it (scan, check --journey)."""
    from pixelhelper.audit import audit_paths
    from pixelhelper.scan import default_save_path, report_problems, run_scan

    config = proxy_config(args, args.port)
    config.save = config.save or default_save_path()
    plan = _plan(args)
    if args.chromium:
        plan.chromium = args.chromium
    if plan.fill is not None or (plan.journey is not None and plan.journey.needs_identity()):
        options = _prepare_fill(args, plan, config.save, options)
    problems = run_scan(plan, config)
    report_problems(problems)
    saved = Path(config.save)
    recorded = saved.is_file() and saved.stat().st_size > 0
    filling = bool(plan.fill) or bool(plan.fills)
    if filling:
        options = _with_fills(options, plan)
    if recorded:
        _keep_beside(saved, plan)
        say(f"scan saved to {config.save}")
        result = audit_paths([config.save], options)
    else:  # the proxy saw no TikTok traffic: a normal outcome, not an unreadable file
        saved.unlink(missing_ok=True)
        result = _without_capture(options, plan)
    if not result.events:
        say("no TikTok pixel on these pages")
    if filling:
        from pixelhelper.forms.report import forms_section

        result.forms = forms_section(plan.fills)
        result.identity = {"file": options.identity, "values": plan.fill or plan.identity}
    return result, problems, plan


def _plan(args: argparse.Namespace) -> ScanPlan:
    """The plan of the visit the options ask for (a usage error when they disagree)."""
    from pixelhelper.scan import ScanPlan

    journey_file = getattr(args, "journey", None)
    plan = ScanPlan(urls=list(args.urls), clicks=list(getattr(args, "click", [])),
                    wait=args.wait, timeout=args.timeout, consent=tuple(args.consent))  # fmt: skip
    if getattr(args, "fill", False) or getattr(args, "submit", False):
        plan.fill = {}
    if not journey_file:
        if not plan.urls:
            raise ConfigError("give the pages to visit, or --journey FILE")
        if getattr(args, "start", None):
            raise ConfigError("--start goes with --journey")
        return plan
    from pixelhelper.journey.model import load_journey

    plan.journey = load_journey(journey_file)
    if plan.clicks or plan.fill is not None:
        raise ConfigError("--journey has its own steps: no --click, --fill or --submit with it")
    if plan.urls:
        raise ConfigError("--journey visits its own pages: give no URL (--start moves it)")
    plan.urls = [args.start or plan.journey.start]
    if not plan.urls[0].startswith(("http://", "https://")):
        raise ConfigError(f"the journey's start is no web address: {plan.urls[0][:200]!r}")
    if plan.consent and plan.journey.consent_action():
        say("the journey's consent steps are left to the --consent modes")
    return plan


def _keep_beside(saved: Path, plan: ScanPlan) -> None:
    """What a later audit of the capture needs to know of the visit: the consent modes and
    the journey, in files beside it."""
    if plan.consent_logs:
        from pixelhelper.consent import timeline

        timeline.write(timeline.sidecar(saved), plan.consent_logs)
    if plan.journey_log is not None:
        from pixelhelper.journey import log

        log.write(log.sidecar(saved), plan.journey_log)


def _without_capture(options: InspectOptions, plan: ScanPlan) -> AuditResult:
    """The audit of a scan that recorded no TikTok traffic: nothing, but what its consent
    modes did (a banner not found is a finding still)."""
    from pixelhelper.audit import Audit

    audit = Audit(options)
    audit.add_consent(plan.consent_logs)
    if plan.journey_log is not None:
        audit.add_journey(plan.journey_log)
    return audit.finish()


def _prepare_fill(
    args: argparse.Namespace, plan: ScanPlan, save: str, options: InspectOptions
) -> InspectOptions:
    """The identity `--fill` types: `--identity FILE`, or one generated for this run and kept
    beside the capture (0600) so that `audit --identity` finds the same leaks later."""
    from pixelhelper.forms.identity import generate_identity, load_identity, write_identity

    if args.identity:
        identity = load_identity(args.identity)
        path = str(Path(args.identity).resolve())
    else:
        identity = generate_identity()
        path = str(Path(save).resolve()) + ".identity.toml"
        write_identity(identity, path)
        say(f"test identity for --fill written to {path}")
    if plan.journey is not None:
        plan.identity = identity.values()
    else:
        plan.fill = identity.values()
        plan.submit = bool(args.submit)
    return options._replace(identity=path)


def _with_fills(options: InspectOptions, plan: ScanPlan) -> InspectOptions:
    """Which selector each identity field was typed into, and when a form was first sent."""
    typed: dict[str, str] = {}
    for page in plan.fills:
        for filled in page.fields:
            typed.setdefault(filled.classified_as, filled.selector)
    times = [page.submitted_at for page in plan.fills if page.submitted_at]
    return options._replace(typed_into=tuple(typed.items()),
                            submitted_at=min(times) if times else None)  # fmt: skip
