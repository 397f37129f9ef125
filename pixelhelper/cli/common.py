"""What the commands share: exit codes, messages on stderr, writing the report, running an
audit (with its start-up and progress bar), and the exit code of an audit's outcome."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import files
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


def say(message: str) -> None:
    """One line on stderr, safe to print whatever traffic text it quotes."""
    from pixelhelper.output.terminal import neutralise
    from pixelhelper.redact import scrub_text

    print(f"pixelhelper: {neutralise(scrub_text(message))}", file=sys.stderr, flush=True)


def write_output(text: str, output: str | None, private: bool = False) -> None:
    if output:
        files.write_text(output, text, private=private)
    else:
        files.write_stdout(text)


def failing(result: AuditResult, fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    worst = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) <= worst for f in result.findings)


def inspect_options(args: argparse.Namespace, policy: Policy | None = None) -> InspectOptions:
    """Command-line options first, then the policy's `[identities]`."""
    region = args.region or (policy.identities.region if policy else None)
    known = args.known_identities or (policy.known_identities() if policy else None)
    from pixelhelper.inspect import InspectOptions

    identity = getattr(args, "identity", None)
    if identity:  # a bad file fails here, with one line, before anything is read
        from pixelhelper.forms.identity import load_identity

        load_identity(identity)
    return InspectOptions(region=region, known_identities=known,
                          identity=str(Path(identity).resolve()) if identity else None)  # fmt: skip


_frozen = False


@contextlib.contextmanager
def start_up() -> Iterator[None]:
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


def audited(
    args: argparse.Namespace,
    on_event: OnEvent | None = None,
    paths: Sequence[str] | None = None,
    options: InspectOptions | None = None,
) -> AuditResult:
    """Audit `args.paths`, with a progress bar on a terminal when it takes a while."""
    with start_up():
        from pixelhelper.audit import audit_paths, capture_bytes
        from pixelhelper.output import progress
        from pixelhelper.sources import Meter

    options = options or inspect_options(args)
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


def emit(result: AuditResult, args: argparse.Namespace) -> int:
    from pixelhelper.report import Report, build_report

    fmt = Format(args.format)
    if fmt.judged:  # the CI formats show a verdict: the default policy, at --fail-on
        from pixelhelper.policy import Policy
        from pixelhelper.policy.gate import judged_report

        report, _outcome_ = judged_report(result, Policy(), fail_on=args.fail_on,
                                          show_values=args.show_values)  # fmt: skip
        report["run"] = run_info(args)
        write_output(fmt.renderer()(report, False), args.output, private=args.show_values)
        return outcome(result, args)
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
        write_output(rendered, args.output, private=args.show_values)
    return outcome(result, args)


def run_info(args: argparse.Namespace) -> dict[str, str]:
    """How the report was made, for the formats that show it (HTML): the command and the
    options that change what is found or shown (file names only, never their contents)."""
    info = {"command": str(args.command)}
    if getattr(args, "region", None):
        info["region"] = str(args.region)
    if getattr(args, "known_identities", None):
        info["known identities"] = Path(args.known_identities).name
    info["values"] = "shown raw" if getattr(args, "show_values", False) else "masked"
    return info


def say_errors(result: AuditResult) -> None:
    """Each unreadable input, one line on stderr."""
    for source in result.sources:
        for error in source.errors:
            say(f"{source.path}: {error}")


def outcome(result: AuditResult, args: argparse.Namespace) -> int:
    """Report unreadable inputs on stderr; the exit code."""
    say_errors(result)
    if result.has_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failing(result, args.fail_on) else EXIT_OK


def checked(path: str | None, option: str) -> str | None:
    """An output path, absolute, after proving it can be written (before anything starts)."""
    if not path:
        return None
    return str(files.check_writable(path, option).resolve())


def proxy_config(args: argparse.Namespace, port: int) -> ProxyConfig:
    from pixelhelper.inspect.identities import KnownIdentities
    from pixelhelper.live.proxy import ProxyConfig

    if args.known_identities:  # fail here, with a clear message, not inside mitmdump
        KnownIdentities.from_file(args.known_identities)
    return ProxyConfig(
        host=args.listen_host,
        port=port,
        mode=args.mode,
        save=checked(args.save, "--save"),
        save_all=args.save_all,
        region=args.region,
        known_identities=str(Path(args.known_identities).resolve())
        if args.known_identities
        else None,
        show_values=args.show_values,
        allow_sdk=args.allow_sdk,
        identity=inspect_options(args).identity,
    )


def text_width(output: str | None) -> int:
    """Where plain text is wrapped: the terminal's width on a terminal, else 100."""
    import shutil

    if not output and sys.stdout.isatty():
        return max(40, shutil.get_terminal_size((100, 24)).columns - 1)
    return 100
