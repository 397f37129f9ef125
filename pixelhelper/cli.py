"""Command-line wiring: parse arguments, choose streams, map outcomes to exit codes.

Exit codes (like bandit and pip-audit): 0 clean, 1 findings at or above `--fail-on`,
2 usage error or an input that could not be read completely. No logic lives here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pixelhelper import __version__
from pixelhelper.audit import AuditResult, audit_paths
from pixelhelper.errors import PixelHelperError
from pixelhelper.inspect import InspectOptions, all_rules
from pixelhelper.models import SEVERITIES
from pixelhelper.output import Format
from pixelhelper.report import build_report

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _add_inspect_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        metavar="CC",
        help="default country (ISO 3166 alpha-2, e.g. US, DE) for national phone numbers; "
        "default: from the page's country-code domain, else US",
    )
    parser.add_argument(
        "--known-identities",
        metavar="FILE",
        help="file of test emails/phones (one per line); hashed copies of them are reported",
    )
    parser.add_argument(
        "--show-values",
        action="store_true",
        help="print raw sensitive values instead of masked ones (credentials stay hidden)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelhelper",
        description="TikTok Pixel Helper for the terminal and CI.",
    )
    parser.add_argument("--version", action="version", version=f"pixelhelper {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    audit = commands.add_parser(
        "audit",
        help="report the TikTok pixel traffic in saved captures (.flow, .har)",
        description="Decode and check every TikTok pixel hit in mitmproxy flow files, HAR "
        "exports or directories of them.",
    )
    audit.add_argument("paths", nargs="+", metavar="PATH", help="capture files or directories")
    audit.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=Format.TEXT.value,
        help="output format",
    )
    audit.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    audit.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a finding of this severity or worse is present",
    )
    _add_inspect_options(audit)

    rules = commands.add_parser(
        "rules",
        help="list the checks and their ids, or explain one",
        description="List every rule (id, severity, summary), or print the help of one rule.",
    )
    rules.add_argument("rule_id", nargs="?", metavar="RULE_ID", help="the rule to explain")
    return parser


def _failing(result: AuditResult, fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    worst = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) <= worst for f in result.findings)


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def run_audit(args: argparse.Namespace) -> int:
    """`pixelhelper audit`."""
    options = InspectOptions(region=args.region, known_identities=args.known_identities)
    result = audit_paths(args.paths, options)
    report = build_report(result, show_values=args.show_values)
    fmt = Format(args.format)
    color = fmt is Format.TEXT and not args.output and sys.stdout.isatty()
    _write(fmt.renderer()(report, color), args.output)
    for source in result.sources:
        for error in source.errors:
            print(f"pixelhelper: {source.path}: {error}", file=sys.stderr)
    if result.has_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if _failing(result, args.fail_on) else EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    """`pixelhelper rules [RULE_ID]`."""
    registry = all_rules()
    if args.rule_id:
        rule = registry.get(args.rule_id)
        if rule is None:
            print(
                f"pixelhelper: unknown rule {args.rule_id!r}; see `pixelhelper rules`",
                file=sys.stderr,
            )
            return EXIT_ERROR
        print(f"{rule.id}  ({rule.severity}, {rule.level} level)\n{rule.summary}\n\n{rule.help}")
        return EXIT_OK
    width = max(len(rule_id) for rule_id in registry)
    for rule in registry.values():
        print(f"{rule.id:{width}}  {rule.severity:8}  {rule.summary}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pixelhelper` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "audit":
            return run_audit(args)
        if args.command == "rules":
            return run_rules(args)
    except PixelHelperError as exc:
        print(f"pixelhelper: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
