"""`pixelhelper crawl`: many sites on Dask, a proxy and a headless browser per site."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import files
from pixelhelper.cli.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, say
from pixelhelper.cli.options import (
    Commands,
    add_consent_option,
    add_engine_options,
    add_vendors_option,
)
from pixelhelper.errors import PixelHelperError
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.journey.model import Journey


def add_parser(commands: Commands) -> None:
    """The `crawl` command and its options."""
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
    crawl.add_argument("--fill", action="store_true", help="as in scan: type a test identity "
                       "into every page's identity fields")  # fmt: skip
    crawl.add_argument("--submit", action="store_true", help="as in scan, with --fill")
    crawl.add_argument("--identity", metavar="FILE", help="as in scan (default: one generated "
                       "for the crawl, kept in DIR/identity.toml)")  # fmt: skip
    crawl.add_argument("--region", metavar="CC", help="as in audit")
    crawl.add_argument("--known-identities", metavar="FILE", help="as in audit")
    add_consent_option(crawl)
    add_vendors_option(crawl)
    crawl.add_argument(
        "--journey", metavar="FILE",
        help="walk this journey on every site instead of following links: it starts at the "
        "site's page, its relative `goto`s follow each site, and it acts on that site only",
    )  # fmt: skip
    add_engine_options(crawl, "crawl on")


def run(args: argparse.Namespace) -> int:
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
    journey = _journey_for(args)
    needs = journey is not None and journey.needs_identity()
    fill = _identity_for(args, out) if args.fill or args.submit or needs else None
    job = {"pages": args.pages, "timeout": args.timeout, "wait": args.wait, "clicks": args.click,
           "fill": fill[0] if fill and not needs else None,
           "identity": fill[1] if fill else None,
           "journey": journey.model_dump(mode="json") if journey else None,
           "journey_identity": fill[0] if fill and needs else None,
           "submit": bool(args.submit), "consent": list(args.consent),
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


def _journey_for(args: argparse.Namespace) -> Journey | None:
    """`--journey FILE`, read and checked before any site is visited."""
    if not args.journey:
        return None
    from pixelhelper.journey.model import load_journey

    if args.click or args.fill or args.submit:
        raise PixelHelperError("--journey has its own steps: no --click, --fill or --submit")
    return load_journey(args.journey)


def _identity_for(args: argparse.Namespace, out: Path) -> tuple[dict[str, str], str]:
    """The identity every site's forms get: `--identity FILE`, or one generated for this
    crawl and kept in the crawl directory (0600) for later audits of its captures."""
    from pixelhelper.forms.identity import generate_identity, load_identity, write_identity

    if args.identity:
        return load_identity(args.identity).values(), str(Path(args.identity).resolve())
    path = out / "identity.toml"
    identity = load_identity(path) if path.is_file() else generate_identity()  # resumes
    write_identity(identity, path)
    return identity.values(), str(path.resolve())


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
