"""Command-line wiring: parse arguments, choose streams, map outcomes to exit codes.

Exit codes (like bandit and pip-audit): 0 clean, 1 findings at or above `--fail-on`,
2 usage error or an input that could not be read completely, 3 internal error (a bug: one line
and a hint to report it, never a traceback). No logic lives here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import __version__, files
from pixelhelper.errors import PixelHelperError
from pixelhelper.inspect import InspectOptions
from pixelhelper.output import Format
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:  # each command imports what it runs: `--help` and `rules` start instantly
    from pixelhelper.audit import AuditResult, OnEvent
    from pixelhelper.live.proxy import ProxyConfig

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
BUG_HINT = "this is a bug in pixelhelper; please report it with the command you ran"
EXIT_CODES = (
    "exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable "
    "input, 3 internal error"
)


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


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=Format.TEXT.value,
        help="output format",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a finding of this severity or worse is present",
    )


def _add_proxy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen-host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; never all interfaces unless you ask)",
    )  # fmt: skip
    parser.add_argument(
        "--mode", choices=["observe", "block", "redact"], default="observe",
        help="observe: pass unchanged; block: answer pixel requests locally, nothing reaches "
        "TikTok; redact: forward with sensitive values removed",
    )  # fmt: skip
    parser.add_argument("--save", metavar="FILE", help="save the session as a mitmproxy flow file")
    parser.add_argument(
        "--save-all", action="store_true", help="with --save: keep all traffic, not only pixels"
    )
    parser.add_argument(
        "--allow-sdk", action="store_true",
        help="in block mode, let the pixel SDK's JavaScript load (without cookies/referrer) so a "
        "real site's pixel runs; its events are still blocked",
    )  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelhelper",
        description="TikTok Pixel Helper for the terminal and CI.",
        epilog=EXIT_CODES,
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
    _add_report_options(audit)
    _add_inspect_options(audit)

    live = commands.add_parser(
        "live",
        help="run a local proxy and watch pixel traffic live while you browse",
        description="Start a local mitmproxy-based proxy with the pixelhelper addon and show "
        "every TikTok pixel event live. Ctrl-C ends and prints the session report.",
    )
    _add_proxy_options(live)
    live.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    live.add_argument(
        "--browser", action="store_true", help="launch Chromium with a fresh profile on the proxy"
    )
    live.add_argument("--open", metavar="URL", help="with --browser: the page to open first")
    live.add_argument("--report", metavar="FILE", help="on exit, write the JSON report to FILE")
    live.add_argument(
        "--view", choices=["auto", "app", "live", "lines", "none"], default="auto",
        help="the interactive app on a terminal (auto; also 'app' or 'live'), one line per "
        "event (lines, the default when stdout is not a terminal), or none",
    )  # fmt: skip
    live.add_argument(
        "--set", dest="mitm_set", action="append", default=[], metavar="NAME=VALUE",
        help="pass an option to mitmproxy (repeatable)",
    )  # fmt: skip
    _add_inspect_options(live)

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
    scan.add_argument("--timeout", type=float, default=30.0, help="page load timeout (s)")
    scan.add_argument("--chromium", metavar="PATH", default=None, help="Chromium executable")
    scan.add_argument("--port", type=int, default=0, help="proxy port (default: a free one)")
    _add_proxy_options(scan)
    _add_report_options(scan)
    _add_inspect_options(scan)

    view = commands.add_parser(
        "view",
        help="explore saved captures or a JSON report in the interactive app",
        description="Open the interactive inspector (the same as `pixelhelper live`) over "
        "saved captures (.flow, .har) or a JSON report written by `audit --format json`.",
    )
    view.add_argument("paths", nargs="+", metavar="CAPTURE", help="capture files, directories "
                      "or one JSON report")  # fmt: skip
    _add_inspect_options(view)

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


def _write(text: str, output: str | None, private: bool = False) -> None:
    if output:
        files.write_text(output, text, private=private)
    else:
        files.write_stdout(text)


def say(message: str) -> None:
    """One line on stderr, safe to print whatever traffic text it quotes."""
    from pixelhelper.output.terminal import neutralise
    from pixelhelper.redact import scrub_text

    print(f"pixelhelper: {neutralise(scrub_text(message))}", file=sys.stderr, flush=True)


def _inspect_options(args: argparse.Namespace) -> InspectOptions:
    return InspectOptions(region=args.region, known_identities=args.known_identities)


def _audited(args: argparse.Namespace, on_event: OnEvent | None = None) -> AuditResult:
    """Audit `args.paths`, with a progress bar on a terminal when it takes a while."""
    from pixelhelper.audit import audit_paths, capture_bytes
    from pixelhelper.output import progress
    from pixelhelper.sources import Meter

    options = _inspect_options(args)
    if not progress.wanted():
        return audit_paths(args.paths, options, on_event=on_event)
    meter = Meter(total=capture_bytes(args.paths))
    with progress.audit_progress(meter, enabled=True):
        return audit_paths(args.paths, options, on_event=on_event, meter=meter)


def run_audit(args: argparse.Namespace) -> int:
    """`pixelhelper audit`."""
    if args.output:
        files.check_writable(args.output, "--output")
    if Format(args.format) is not Format.JSONL:
        return _emit(_audited(args), args)
    from pixelhelper.output.jsonfmt import JsonlStream
    from pixelhelper.report import Report

    with files.report_stream(args.output, private=args.show_values) as write:
        stream = JsonlStream(write, args.show_values)  # records go out as events are decoded
        result = _audited(args, on_event=stream.event)
        stream.finish(Report(result, args.show_values))
    return _outcome(result, args)


def _emit(result: AuditResult, args: argparse.Namespace) -> int:
    from pixelhelper.report import Report, build_report

    fmt = Format(args.format)
    if fmt is Format.JSON:  # written section by section, one event at a time
        from pixelhelper.output.jsonfmt import write_report

        with files.report_stream(args.output, private=args.show_values) as write:
            write_report(Report(result, args.show_values), write)
    else:
        report = build_report(result, show_values=args.show_values)
        color = fmt is Format.TEXT and not args.output and sys.stdout.isatty()
        _write(fmt.renderer()(report, color), args.output, private=args.show_values)
    return _outcome(result, args)


def _outcome(result: AuditResult, args: argparse.Namespace) -> int:
    """Report unreadable inputs on stderr; the exit code."""
    for source in result.sources:
        for error in source.errors:
            say(f"{source.path}: {error}")
    if result.has_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if _failing(result, args.fail_on) else EXIT_OK


def _checked(path: str | None, option: str) -> str | None:
    """An output path, absolute, after proving it can be written (before anything starts)."""
    if not path:
        return None
    return str(files.check_writable(path, option).resolve())


def _proxy_config(args: argparse.Namespace, port: int) -> ProxyConfig:
    from pixelhelper.inspect.identities import KnownIdentities
    from pixelhelper.live.proxy import ProxyConfig

    if args.known_identities:  # fail here, with a clear message, not inside mitmdump
        KnownIdentities.from_file(args.known_identities)
    return ProxyConfig(
        host=args.listen_host,
        port=port,
        mode=args.mode,
        save=_checked(args.save, "--save"),
        save_all=args.save_all,
        region=args.region,
        known_identities=str(Path(args.known_identities).resolve())
        if args.known_identities
        else None,
        show_values=args.show_values,
        allow_sdk=args.allow_sdk,
    )


def _wants_app(view: str) -> bool:
    if view in ("app", "live"):
        return True
    return view == "auto" and sys.stdout.isatty() and sys.stdin.isatty()


def run_live(args: argparse.Namespace) -> int:
    """`pixelhelper live`."""
    from pixelhelper.live import proxy

    config = _proxy_config(args, args.port)
    config.report = _checked(args.report, "--report")
    config.extra = proxy.run_args(args.mitm_set)
    if _wants_app(args.view):
        from pixelhelper.live.runner import run_live_app

        code = run_live_app(config, browser=args.browser, url=args.open)
    else:
        config.view = "lines" if args.view == "auto" else args.view
        code = proxy.run_live(config, browser=args.browser, url=args.open)
    if code != 0:
        say(f"the proxy stopped with exit code {code}")
        return EXIT_ERROR
    return EXIT_OK


def run_scan_command(args: argparse.Namespace) -> int:
    """`pixelhelper scan`."""
    from pixelhelper.audit import AuditResult, audit_paths
    from pixelhelper.scan import ScanPlan, default_save_path, report_problems, run_scan

    if args.output:
        files.check_writable(args.output, "--output")
    config = _proxy_config(args, args.port)
    config.save = config.save or default_save_path()
    plan = ScanPlan(urls=args.urls, clicks=args.click, wait=args.wait, timeout=args.timeout)
    if args.chromium:
        plan.chromium = args.chromium
    problems = run_scan(plan, config)
    report_problems(problems)
    saved = Path(config.save)
    recorded = saved.is_file() and saved.stat().st_size > 0
    if recorded:
        say(f"scan saved to {config.save}")
        result = audit_paths([config.save], _inspect_options(args))
    else:  # the proxy saw no TikTok traffic: a normal outcome, not an unreadable file
        saved.unlink(missing_ok=True)
        result = AuditResult()
    if not result.events:
        say("no TikTok pixel on these pages")
    code = _emit(result, args)
    return EXIT_ERROR if problems and code == EXIT_OK else code


def run_view(args: argparse.Namespace) -> int:
    """`pixelhelper view CAPTURE...`."""
    from pixelhelper.live.runner import load_report, run_view_app
    from pixelhelper.live.stream import records_from_report, records_from_result
    from pixelhelper.report import build_report

    if len(args.paths) == 1 and Path(args.paths[0]).is_file():
        document = load_report(Path(args.paths[0]))
        if document is not None:
            return run_view_app(records_from_report(document), None)
    result = _audited(args)
    for source in result.sources:
        for error in source.errors:
            say(f"{source.path}: {error}")
    report = build_report(result, show_values=args.show_values)
    run_view_app(records_from_result(result, args.show_values), report)
    return EXIT_ERROR if result.has_errors else EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    """`pixelhelper rules [RULE_ID]`."""
    from pixelhelper.inspect import all_rules

    registry = all_rules()
    if args.rule_id:
        rule = registry.get(args.rule_id)
        if rule is None:
            say(f"unknown rule {args.rule_id!r}; see `pixelhelper rules`")
            return EXIT_ERROR
        print(f"{rule.id}  ({rule.severity}, {rule.level} level)\n{rule.summary}\n\n{rule.help}")
        return EXIT_OK
    width = max(len(rule_id) for rule_id in registry)
    for rule in registry.values():
        print(f"{rule.id:{width}}  {rule.severity:8}  {rule.summary}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    commands = {"audit": run_audit, "rules": run_rules, "live": run_live,
                "scan": run_scan_command, "view": run_view}  # fmt: skip
    return commands[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pixelhelper` console script.

    The last-resort handler here guarantees the exit-code contract: whatever goes wrong, the
    user gets one line and a code CI can tell from a finding (3), never a traceback.
    """
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except PixelHelperError as exc:
        say(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pixelhelper audit ... | head`: the reader left, nothing to say
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        say(f"internal error: {type(exc).__name__}: {str(exc)[:300]} ({BUG_HINT})")
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
