"""Command-line wiring: parse arguments, choose streams, map outcomes to exit codes.

Exit codes (like bandit and pip-audit): 0 clean, 1 findings at or above `--fail-on`,
2 usage error or an input that could not be read completely, 3 internal error (a bug: one line
and a hint to report it, never a traceback). No logic lives here.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import __version__, files
from pixelhelper.errors import PixelHelperError
from pixelhelper.output import Format
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:  # each command imports what it runs: `--help` and `rules` start instantly
    from pixelhelper.audit import AuditResult, OnEvent
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.live.proxy import ProxyConfig
    from pixelhelper.policy import Policy

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
BUG_HINT = "this is a bug in pixelhelper; please report it with the command you ran"
EXIT_CODES = (
    "exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable "
    "input, 3 internal error"
)
CHECK_EXIT_CODES = (
    "exit codes: 0 the policy passes, 1 findings fail the policy (0 with --exit-zero), 2 usage "
    "error, bad policy or baseline file, or unreadable input, 3 internal error"
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
    _add_verbose(parser)
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a finding of this severity or worse is present",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_engine_options(parser: argparse.ArgumentParser, what: str) -> None:
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers", type=positive_int, metavar="N", default=None,
        help=f"{what} a local Dask cluster of N worker processes (crawl default: the cores)",
    )  # fmt: skip
    engine.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help=f"{what} an existing Dask cluster (e.g. tcp://host:8786)",
    )  # fmt: skip


def _add_verbose(parser: argparse.ArgumentParser, check: bool = False) -> None:
    if check:
        parser.add_argument(
            "--verbose", "-v", action="count", default=0,
            help="text format: the whole audit before the verdict (-vv: every event in full)",
        )  # fmt: skip
        return
    parser.add_argument(
        "--verbose", "-v", action="store_true",
        help="text format: every event in full, each finding with its message",
    )  # fmt: skip


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
    _add_engine_options(audit, "audit the files in parallel on")

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
    live.add_argument(
        "--open", metavar="URL", help="launch Chromium (as --browser does) on this page"
    )
    live.add_argument("--report", metavar="FILE", help="on exit, write the JSON report to FILE")
    live.add_argument(
        "--view", choices=["auto", "app", "live", "lines", "none"], default="auto",
        help="the interactive app when stdin, stdout and stderr are a terminal (auto; 'app' "
        "forces it, 'live' is another name for it), one line per event (lines, the default "
        "otherwise), or none",
    )  # fmt: skip
    live.add_argument(
        "--set", dest="mitm_set", action="append", default=[], metavar="NAME=VALUE",
        help="pass an option to mitmproxy (repeatable; a pixelhelper_* option given here "
        "replaces the value pixelhelper would set)",
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
    scan.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="how long one page may take to load (default 30; in crawl, --timeout bounds a "
        "whole site)",
    )  # fmt: skip
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

    check = commands.add_parser(
        "check",
        help="gate CI on captures: apply the policy, fail on what it does not allow",
        description="Audit the captures and apply the policy (./pixelhelper.toml, "
        "[tool.pixelhelper] in ./pyproject.toml, or --policy FILE): allowed pixels, forbidden "
        "pages, required events and parameters, what fails and what is accepted.",
        epilog=CHECK_EXIT_CODES,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="capture files or directories")
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
    _add_verbose(check, check=True)
    _add_inspect_options(check)

    init = commands.add_parser(
        "init",
        help="write a starter pixelhelper.toml (filled from a capture when given)",
        description="Write a commented starter policy. From captures, it lists their pixel "
        "codes as allowed and their conversion events as required.",
    )
    init.add_argument("paths", nargs="*", metavar="CAPTURE", help="captures to learn from")
    init.add_argument(
        "--output", "-o", metavar="FILE", default="pixelhelper.toml",
        help="where to write it (default ./pixelhelper.toml)",
    )  # fmt: skip
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    diff = commands.add_parser(
        "diff",
        help="compare two sessions (captures or JSON reports)",
        description="Compare two recorded sessions: pixels, events per page, parameters and "
        "findings added, removed or changed. Exit 1 when NEW has new failing findings.",
        epilog=EXIT_CODES,
    )
    diff.add_argument("old", metavar="OLD", help="the earlier capture or JSON report")
    diff.add_argument("new", metavar="NEW", help="the later capture or JSON report")
    diff.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the diff to FILE")
    diff.add_argument("--policy", metavar="FILE", help="the policy that decides what fails")
    diff.add_argument("--fail-on", choices=SEVERITIES, default=None,
                      help="severity that fails (default: the policy's, else high)")  # fmt: skip
    _add_inspect_options(diff)

    crawl = commands.add_parser(
        "crawl",
        help="crawl many sites on Dask: a proxy and a headless browser per site",
        description="Visit each site (its start page, then same-site links, breadth-first) "
        "through its own pixelhelper proxy and headless Chromium, one Dask task per site; "
        "write DIR/results.jsonl (one row per site), DIR/captures/ and DIR/reports/. Running "
        "again with the same --out resumes.",
        epilog="exit codes: 0 every site has a row (error rows included), 1 a finding at or "
        "above --fail-on, 2 usage error or an unreachable scheduler, 3 internal error",
    )
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="URLs or bare domains")
    crawl.add_argument(
        "--sites-file", metavar="FILE", help="one site a line (# comments; a rank,domain CSV works)"
    )
    crawl.add_argument("--out", required=True, metavar="DIR", help="the crawl directory")
    crawl.add_argument(
        "--pages",
        type=int,
        default=5,
        metavar="N",
        help="pages per site, breadth-first over same-site links (default 5)",
    )
    crawl.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="how long one whole site may take, all its pages together, in seconds (default "
        "60; in scan, --timeout is per page)",
    )
    crawl.add_argument(
        "--wait",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="time to wait on each page (default 2)",
    )
    crawl.add_argument(
        "--click",
        action="append",
        default=[],
        metavar="SELECTOR",
        help="CSS selector of elements to click on every page (repeatable)",
    )
    crawl.add_argument(
        "--mode",
        choices=["observe", "block", "redact"],
        default="observe",
        help="as in scan: block answers pixel requests locally",
    )
    crawl.add_argument("--chromium", metavar="PATH", default=None, help="Chromium executable")
    crawl.add_argument(
        "--retry-errors", action="store_true", help="visit the sites whose row is an error again"
    )
    crawl.add_argument(
        "--format", choices=["text", "json"], default="text", help="format of the final summary"
    )
    crawl.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when some site has a finding of this severity or worse",
    )
    crawl.add_argument("--region", metavar="CC", help="as in audit")
    crawl.add_argument("--known-identities", metavar="FILE", help="as in audit")
    _add_engine_options(crawl, "crawl on")

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


def _inspect_options(args: argparse.Namespace, policy: Policy | None = None) -> InspectOptions:
    """Command-line options first, then the policy's `[identities]`."""
    region = args.region or (policy.identities.region if policy else None)
    known = args.known_identities or (policy.known_identities() if policy else None)
    from pixelhelper.inspect import InspectOptions

    return InspectOptions(region=region, known_identities=known)


_frozen = False


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """Import the pipeline with garbage collection off, then freeze what the imports built.

    The imports build some 43,000 objects that live as long as the process (modules,
    classes, pydantic schemas, compiled patterns). The collector walked them about fifty
    times while importing (9 ms of a 0.6 s audit), and all of them again in the collections
    at the interpreter's exit (which took 32-36 ms, against 14-17 ms frozen). Frozen
    (`gc.freeze`), they are left out of every collection. Once per process: a caller of
    `main` that goes on (the tests) freezes only the first time.
    """
    global _frozen
    if _frozen or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _frozen = True
        gc.enable()


def _audited(
    args: argparse.Namespace,
    on_event: OnEvent | None = None,
    paths: Sequence[str] | None = None,
    options: InspectOptions | None = None,
) -> AuditResult:
    """Audit `args.paths`, with a progress bar on a terminal when it takes a while."""
    with _start_up():
        from pixelhelper.audit import audit_paths, capture_bytes
        from pixelhelper.output import progress
        from pixelhelper.sources import Meter

    options = options or _inspect_options(args)
    paths = list(paths if paths is not None else args.paths)
    if getattr(args, "workers", None) or getattr(args, "scheduler", None):
        from pixelhelper.crawl.cluster import open_client
        from pixelhelper.crawl.parallel import audit_paths_parallel

        with open_client(args.workers, args.scheduler, say) as client:
            return audit_paths_parallel(paths, options, client)
    if not progress.wanted():
        return audit_paths(paths, options, on_event=on_event)
    meter = Meter(total=capture_bytes(paths))
    with progress.audit_progress(meter, enabled=True):
        return audit_paths(paths, options, on_event=on_event, meter=meter)


def run_audit(args: argparse.Namespace) -> int:
    """`pixelhelper audit`."""
    if args.output:
        files.refuse_inputs(args.output, args.paths, "--output")
        files.check_writable(args.output, "--output")
    if Format(args.format) is not Format.JSONL:
        return _emit(_audited(args), args)
    from pixelhelper.output.jsonfmt import write_jsonl
    from pixelhelper.report import Report

    result = _audited(args)  # first: a value flagged late is masked in every record
    with files.report_stream(args.output, private=args.show_values) as write:
        write_jsonl(Report(result, args.show_values), write)
    return _outcome(result, args)


def _emit(result: AuditResult, args: argparse.Namespace) -> int:
    from pixelhelper.report import Report, build_report

    fmt = Format(args.format)
    if fmt.judged:  # the CI formats show a verdict: the default policy, at --fail-on
        from pixelhelper.policy import Policy
        from pixelhelper.policy.gate import judged_report

        report, _outcome_ = judged_report(result, Policy(), fail_on=args.fail_on,
                                          show_values=args.show_values)  # fmt: skip
        report["run"] = _run_info(args)
        _write(fmt.renderer()(report, False), args.output, private=args.show_values)
        return _outcome(result, args)
    if fmt is Format.JSON:  # written section by section, one event at a time
        from pixelhelper.output.jsonfmt import write_report

        with files.report_stream(args.output, private=args.show_values) as write:
            write_report(Report(result, args.show_values), write)
    else:
        report = build_report(result, show_values=args.show_values)
        if fmt is Format.TEXT:
            from pixelhelper.output import text

            color = not args.output and sys.stdout.isatty()
            rendered = text.render(report, color, verbose=args.verbose)
        else:
            rendered = fmt.renderer()(report, False)
        _write(rendered, args.output, private=args.show_values)
    return _outcome(result, args)


def _run_info(args: argparse.Namespace) -> dict[str, str]:
    """How the report was made, for the formats that show it (HTML): the command and the
    options that change what is found or shown (file names only, never their contents)."""
    info = {"command": str(args.command)}
    if getattr(args, "region", None):
        info["region"] = str(args.region)
    if getattr(args, "known_identities", None):
        info["known identities"] = Path(args.known_identities).name
    info["values"] = "shown raw" if getattr(args, "show_values", False) else "masked"
    return info


def _say_errors(result: AuditResult) -> None:
    """Each unreadable input, one line on stderr."""
    for source in result.sources:
        for error in source.errors:
            say(f"{source.path}: {error}")


def _outcome(result: AuditResult, args: argparse.Namespace) -> int:
    """Report unreadable inputs on stderr; the exit code."""
    _say_errors(result)
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
    """The interactive app draws on stderr (Textual's way) and reads keys from stdin: by
    default only when stdin, stdout and stderr are all a terminal (`2>live.log` would draw
    the whole app into the file and leave the terminal blank)."""
    if view in ("app", "live"):
        return True
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return view == "auto" and all(stream.isatty() for stream in streams)


def run_live(args: argparse.Namespace) -> int:
    """`pixelhelper live`."""
    from pixelhelper.live import proxy

    config = _proxy_config(args, args.port)
    config.report = _checked(args.report, "--report")
    config.extra = proxy.run_args(args.mitm_set)
    browser = args.browser or bool(args.open)  # --open names the page of a browser
    if _wants_app(args.view):
        from pixelhelper.live.runner import run_live_app

        code = run_live_app(config, browser=browser, url=args.open)
    else:
        config.view = "lines" if args.view == "auto" else args.view
        code = proxy.run_live(config, browser=browser, url=args.open)
    if code != 0:
        say(f"the proxy stopped with exit code {code}")
        return EXIT_ERROR
    return EXIT_OK


def run_scan_command(args: argparse.Namespace) -> int:
    """`pixelhelper scan`."""
    from pixelhelper.audit import AuditResult, audit_paths
    from pixelhelper.scan import ScanPlan, default_save_path, report_problems, run_scan

    if args.output:
        files.refuse_inputs(args.output, [p for p in (args.save,) if p], "--output")
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
    from pixelhelper.live.runner import run_view_app
    from pixelhelper.live.stream import records_from_report, records_from_result
    from pixelhelper.report import build_report
    from pixelhelper.reportfile import read_report

    if len(args.paths) == 1 and Path(args.paths[0]).is_file():
        document = read_report(Path(args.paths[0]))
        if document is not None:
            return run_view_app(records_from_report(document), None)
    result = _audited(args)
    _say_errors(result)
    report = build_report(result, show_values=args.show_values)
    from pixelhelper.live.rawrequests import raw_loader

    run_view_app(
        records_from_result(result, args.show_values), report, raw_loader(result, args.show_values)
    )
    return EXIT_ERROR if result.has_errors else EXIT_OK


def run_check(args: argparse.Namespace) -> int:
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
    policy = load_policy(args.policy)
    baseline = read_baseline(args.baseline) if args.baseline else None
    result = _audited(args, options=_inspect_options(args, policy))
    report, outcome = judged_report(
        result, policy, fail_on=args.fail_on, baseline=baseline,
        accept_current=bool(args.write_baseline), show_values=args.show_values,
    )  # fmt: skip
    if args.write_baseline:
        write_baseline(args.write_baseline, outcome.fingerprints, report["findings"])
        say(f"baseline of {len(outcome.fingerprints)} finding(s) written to {args.write_baseline}")
    report["run"] = _run_info(args)
    fmt = Format(args.format)
    if fmt is Format.TEXT:
        from pixelhelper.output import checktext, text

        color = not args.output and sys.stdout.isatty()
        width = _text_width(args.output)
        verdict = checktext.render(report, width)
        if args.verbose:  # the whole audit first (-vv: every event in full)
            verdict = text.render(report, color, verbose=args.verbose > 1) + verdict
        rendered = verdict
    else:
        rendered = fmt.renderer()(report, False)
    _write(rendered, args.output, private=args.show_values)
    _say_errors(result)
    if result.has_errors:
        return EXIT_ERROR
    if outcome.verdict == "fail" and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _text_width(output: str | None) -> int:
    """Where plain text is wrapped: the terminal's width on a terminal, else 100."""
    import shutil

    if not output and sys.stdout.isatty():
        return max(40, shutil.get_terminal_size((100, 24)).columns - 1)
    return 100


def run_init(args: argparse.Namespace) -> int:
    """`pixelhelper init [CAPTURE...]`."""
    from pixelhelper.policy.starter import starter_policy
    from pixelhelper.report import build_report

    target = Path(args.output)
    if target.exists() and not args.force:
        say(f"{target} exists; use --force to overwrite it")
        return EXIT_ERROR
    files.refuse_inputs(target, args.paths, "--output")
    files.check_writable(str(target), "--output")
    report = None
    if args.paths:
        from pixelhelper.inspect import InspectOptions

        result = _audited(args, options=InspectOptions())
        _say_errors(result)
        if result.has_errors:
            return EXIT_ERROR
        report = build_report(result)
    files.write_text(target, starter_policy(report))
    say(f"wrote {target}; edit it, then run `pixelhelper check CAPTURE`")
    return EXIT_OK


def _side(path: str, args: argparse.Namespace, policy: Policy) -> dict[str, object]:
    """One side of a diff: a JSON report as written, or a capture audited and judged."""
    from pixelhelper.policy.gate import judged_report
    from pixelhelper.reportfile import read_report

    if Path(path).is_file():
        document = read_report(Path(path))
        if document is not None:
            return document
    result = _audited(args, paths=[path], options=_inspect_options(args, policy))
    _say_errors(result)
    if result.has_errors:
        raise _Unreadable
    report, _ = judged_report(result, policy, fail_on=args.fail_on)
    return report


class _Unreadable(Exception):
    """A side of a diff could not be read completely (already said on stderr)."""


def run_diff(args: argparse.Namespace) -> int:
    """`pixelhelper diff OLD NEW`."""
    import json

    from pixelhelper.policy import load_policy
    from pixelhelper.policy.diff import render_text, session_diff

    if args.output:
        inputs = [args.old, args.new, *([args.policy] if args.policy else [])]
        files.refuse_inputs(args.output, inputs, "--output")
        files.check_writable(args.output, "--output")
    policy = load_policy(args.policy)
    try:
        old, new = _side(args.old, args, policy), _side(args.new, args, policy)
    except _Unreadable:
        return EXIT_ERROR
    diff = session_diff(old, new)
    text = json.dumps(diff, indent=1) + "\n" if args.format == "json" else render_text(diff)
    _write(text, args.output)
    return EXIT_FINDINGS if diff["new_failing"] else EXIT_OK


def run_crawl(args: argparse.Namespace) -> int:
    """`pixelhelper crawl`."""
    from pixelhelper.crawl.cluster import open_client
    from pixelhelper.crawl.progress import crawl_progress
    from pixelhelper.crawl.run import crawl
    from pixelhelper.crawl.sites import read_sites
    from pixelhelper.crawl.summary import render_json, render_text, summarise, worst_severity

    sites = read_sites(args.sites, args.sites_file)
    if not sites:
        say("no sites to crawl: give URLs or --sites-file")
        return EXIT_ERROR
    if args.pages < 1 or args.timeout <= 0 or (args.workers is not None and args.workers < 1):
        say("--pages, --timeout and --workers must be positive")
        return EXIT_ERROR
    out = _crawl_dir(args.out)
    if args.known_identities:
        from pixelhelper.inspect.identities import KnownIdentities

        KnownIdentities.from_file(args.known_identities)
    if args.click:
        from pixelhelper.scan import check_selectors

        check_selectors(args.click, args.chromium)
    # A local cluster's workers work under the crawl directory, which is cleaned whatever ends
    # the crawl (a Ctrl-C kills them before their own clean-up); remote workers use their own.
    work_root = None if args.scheduler else out / WORK_DIR
    job = {"pages": args.pages, "timeout": args.timeout, "wait": args.wait, "clicks": args.click,
           "mode": args.mode, "chromium": args.chromium, "region": args.region,
           "known_identities": str(Path(args.known_identities).resolve())
           if args.known_identities else None,
           "work_root": str(work_root) if work_root else None}  # fmt: skip
    from pixelhelper.crawl.store import RESULTS, Results

    earlier = len(sites) - len(Results(out).pending(sites, args.retry_errors))
    try:
        with (
            open_client(args.workers, args.scheduler, say) as client,
            crawl_progress(len(sites), say) as on_row,
        ):
            results = crawl(client, sites, out, job, retry_errors=args.retry_errors, on_row=on_row)
    except KeyboardInterrupt:
        done = len([s for s in sites if Results(out).row_of(s) is not None])
        say(f"interrupted: {done} of {len(sites)} site(s) have a row in {out / RESULTS}; run "
            "the same command again to go on where it stopped")  # fmt: skip
        return 130
    finally:
        if work_root is not None:
            import shutil

            shutil.rmtree(work_root, ignore_errors=True)
    rows = [row for row in map(results.row_of, sites) if row is not None]
    summary = summarise(rows, out)
    summary["earlier"] = earlier
    files.write_stdout(render_json(summary) if args.format == "json" else render_text(summary))
    if args.fail_on:
        worst = worst_severity(rows, out)
        if worst is not None and SEVERITIES.index(worst) <= SEVERITIES.index(args.fail_on):
            return EXIT_FINDINGS
    return EXIT_OK


WORK_DIR = ".work"


def _crawl_dir(path: str) -> Path:
    """The crawl directory, made if need be; a file there is a usage error, not a crash."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise PixelHelperError(f"--out {out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PixelHelperError(f"--out {out}: cannot make it: {exc.strerror or exc}") from None
    return out


def run_rules(args: argparse.Namespace) -> int:
    """`pixelhelper rules [RULE_ID]`: wrapped at word boundaries to the terminal's width."""
    import shutil
    import textwrap

    from pixelhelper.inspect import all_rules

    registry = all_rules()
    width = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
    if args.rule_id:
        rule = registry.get(args.rule_id)
        if rule is None:
            say(f"unknown rule {args.rule_id!r}; see `pixelhelper rules`")
            return EXIT_ERROR
        paragraphs = [" ".join(p.split()) for p in rule.help.split("\n\n")]
        print(f"{rule.id}  ({rule.severity} at most, {rule.level} level)")
        print(textwrap.fill(rule.summary, width))
        for paragraph in paragraphs:
            text = textwrap.fill(paragraph, width, break_long_words=False, break_on_hyphens=False)
            print("\n" + text)
        return EXIT_OK
    id_width = max(len(rule_id) for rule_id in registry)
    indent = " " * (id_width + 12)
    for rule in registry.values():
        head = f"{rule.id:{id_width}}  {rule.severity:8}  "
        print(textwrap.fill(rule.summary, width, initial_indent=head, subsequent_indent=indent,
                            break_long_words=False, break_on_hyphens=False))  # fmt: skip
    print(textwrap.fill("The severity listed is the most a rule gives: a finding's own depends "
                        "on where the value was found (`pixelhelper rules RULE_ID` says how).",
                        width))  # fmt: skip
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    commands = {"audit": run_audit, "rules": run_rules, "live": run_live,
                "scan": run_scan_command, "view": run_view, "check": run_check,
                "init": run_init, "diff": run_diff, "crawl": run_crawl}  # fmt: skip
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
