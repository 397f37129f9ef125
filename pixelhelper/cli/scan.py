"""`pixelhelper scan`: record pages with headless Chromium through the proxy, then audit them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import files
from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, emit, inspect_options, proxy_config, say

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.scan import ScanPlan

from pixelhelper.cli.options import (
    Commands,
    add_consent_option,
    add_inspect_options,
    add_proxy_options,
    add_report_options,
)


def add_parser(commands: Commands) -> None:
    """The `scan` command and its options."""
    scan = commands.add_parser(
        "scan",
        help="record pages with headless Chromium through the proxy, then audit them",
        description="Drive headless Chromium (Debian's /usr/bin/chromium) through the "
        "pixelhelper proxy over the given URLs, save the capture, and print the audit.",
    )
    scan.add_argument("urls", nargs="+", metavar="URL", help="pages to visit, in order")
    scan.add_argument(
        "--click", action="append", default=[], metavar="SELECTOR",
        help="CSS selector of elements to click on every page (repeatable)",
    )  # fmt: skip
    scan.add_argument(
        "--wait", type=float, default=2.0, metavar="SECONDS", help="time to wait on each page"
    )
    scan.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="how long one page may take to load (default 30; in crawl, --timeout bounds a "
        "whole site)",
    )  # fmt: skip
    scan.add_argument("--chromium", metavar="PATH", default=None, help="Chromium executable")
    scan.add_argument("--port", type=int, default=0, help="proxy port (default: a free one)")
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
    from pixelhelper.audit import audit_paths
    from pixelhelper.scan import ScanPlan, default_save_path, report_problems, run_scan

    if args.output:
        files.refuse_inputs(args.output, [p for p in (args.save,) if p], "--output")
        files.check_writable(args.output, "--output")
    config = proxy_config(args, args.port)
    config.save = config.save or default_save_path()
    plan = ScanPlan(urls=args.urls, clicks=args.click, wait=args.wait, timeout=args.timeout,
                    consent=tuple(args.consent))  # fmt: skip
    if args.chromium:
        plan.chromium = args.chromium
    options = inspect_options(args)
    if args.fill or args.submit:
        options = _prepare_fill(args, plan, config.save, options)
    problems = run_scan(plan, config)
    report_problems(problems)
    saved = Path(config.save)
    recorded = saved.is_file() and saved.stat().st_size > 0
    if plan.fill:
        options = _with_fills(options, plan)
    if recorded:
        if plan.consent_logs:  # kept beside the capture: a later audit of it knows the modes
            from pixelhelper.consent import timeline

            timeline.write(timeline.sidecar(saved), plan.consent_logs)
        say(f"scan saved to {config.save}")
        result = audit_paths([config.save], options)
    else:  # the proxy saw no TikTok traffic: a normal outcome, not an unreadable file
        saved.unlink(missing_ok=True)
        result = _without_capture(options, plan)
    if not result.events:
        say("no TikTok pixel on these pages")
    if plan.fill:
        from pixelhelper.forms.report import forms_section

        result.forms = forms_section(plan.fills)
        result.identity = {"file": options.identity, "values": plan.fill}
    code = emit(result, args)
    return EXIT_ERROR if problems and code == EXIT_OK else code


def _without_capture(options: InspectOptions, plan: ScanPlan) -> AuditResult:
    """The audit of a scan that recorded no TikTok traffic: nothing, but what its consent
    modes did (a banner not found is a finding still)."""
    from pixelhelper.audit import Audit

    audit = Audit(options)
    audit.add_consent(plan.consent_logs)
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
