"""`pixelhelper check`: the CI gate."""

from __future__ import annotations

import argparse
import sys

from pixelhelper import files
from pixelhelper.cli.common import (
    CHECK_EXIT_CODES,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    audited,
    inspect_options,
    run_info,
    say,
    say_errors,
    text_width,
    write_output,
)
from pixelhelper.cli.options import (
    Commands,
    add_consent_option,
    add_inspect_options,
    add_journey_option,
    add_proxy_options,
    add_verbose,
    add_visit_options,
)
from pixelhelper.errors import ConfigError
from pixelhelper.output import Format
from pixelhelper.severity import SEVERITIES


def add_parser(commands: Commands) -> None:
    """The `check` command and its options."""
    check = commands.add_parser(
        "check",
        help="gate CI on captures: apply the policy, fail on what it does not allow",
        description="Audit the captures and apply the policy (./pixelhelper.toml, "
        "[tool.pixelhelper] in ./pyproject.toml, or --policy FILE): allowed pixels, forbidden "
        "pages, required events and parameters, what fails and what is accepted.",
        epilog=CHECK_EXIT_CODES,
    )
    check.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="capture files or directories (none with --journey, which records its own)",
    )  # fmt: skip
    check.add_argument("--policy", metavar="FILE", help="the policy file (TOML)")
    check.add_argument(
        "--fail-on", choices=SEVERITIES, default=None,
        help="fail on findings of this severity or worse (overrides [fail].severity; "
        "default high)",
    )  # fmt: skip
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when findings fail the policy"
    )
    check.add_argument(
        "--baseline", metavar="FILE", help="fail only on findings not in this baseline"
    )
    check.add_argument(
        "--write-baseline", metavar="FILE",
        help="store the fingerprints of the current findings in FILE (they then pass)",
    )  # fmt: skip
    check.add_argument(
        "--format", choices=[f.value for f in Format], default=Format.TEXT.value,
        help="output format",
    )  # fmt: skip
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    add_verbose(check, check=True)
    add_inspect_options(check)
    journey = check.add_argument_group(
        "recording a journey", "check --journey FILE walks the journey in headless Chromium "
        "through the proxy (block mode unless --mode says otherwise), saves the capture and "
        "gates on it: one command for a CI job",
    )  # fmt: skip
    add_journey_option(journey, "and gate on the traffic it records")  # type: ignore[arg-type]
    add_visit_options(journey)  # type: ignore[arg-type]
    add_consent_option(journey)  # type: ignore[arg-type]
    add_proxy_options(journey, mode="block")  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    """`pixelhelper check`: the CI gate."""
    from pixelhelper.policy import load_policy
    from pixelhelper.policy.baseline import read_baseline, write_baseline
    from pixelhelper.policy.gate import judged_report

    for option in ("output", "write_baseline"):
        if getattr(args, option):
            name = "--" + option.replace("_", "-")
            inputs = [*args.paths, *(p for p in (args.policy, args.baseline) if p)]
            files.refuse_inputs(getattr(args, option), inputs, name)
            files.check_writable(getattr(args, option), name)
    if bool(args.journey) == bool(args.paths):
        raise ConfigError("give the captures to check, or --journey FILE to record one")
    policy = load_policy(args.policy)
    baseline = read_baseline(args.baseline) if args.baseline else None
    journey_failed = False
    if args.journey:
        from pixelhelper.cli.scan import record

        args.urls, args.click = [], []
        result, _, plan = record(args, inspect_options(args, policy))
        journey_failed = plan.journey_log is None or plan.journey_log.failed is not None
    else:
        result = audited(args, options=inspect_options(args, policy))
    report, outcome = judged_report(
        result, policy, fail_on=args.fail_on, baseline=baseline,
        accept_current=bool(args.write_baseline), show_values=args.show_values,
    )  # fmt: skip
    if args.write_baseline:
        write_baseline(args.write_baseline, outcome.fingerprints, report["findings"])
        say(f"baseline of {len(outcome.fingerprints)} finding(s) written to {args.write_baseline}")
    report["run"] = run_info(args)
    fmt = Format(args.format)
    if fmt is Format.TEXT:
        from pixelhelper.output import checktext, text

        color = not args.output and sys.stdout.isatty()
        width = text_width(args.output)
        verdict = checktext.render(report, width)
        if args.verbose:  # the whole audit first (-vv: every event in full)
            verdict = text.render(report, color, verbose=args.verbose > 1) + verdict
        rendered = verdict
    else:
        rendered = fmt.renderer()(report, False)
    write_output(rendered, args.output, private=args.show_values)
    say_errors(result)
    if result.has_errors or journey_failed:
        return EXIT_ERROR
    if outcome.verdict == "fail" and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK
