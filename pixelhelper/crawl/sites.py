"""The sites to crawl: URLs or bare domains, from the command line or a file.

A file holds one site a line; `#` comments and blank lines are ignored, and a Tranco-style
`rank,domain` CSV works too. A bare domain means its home page over HTTPS. Each site gets a
file-system-safe id for its capture and report names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from pixelhelper.errors import ConfigError

_SAFE = re.compile(r"[^A-Za-z0-9.-]+")
MAX_SITE = 2048


def site_url(text: str) -> str:
    """`example.com` -> `https://example.com/`; a URL stays as given."""
    text = text.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"not a web site: {text!r}")
        return text
    if not text or any(c.isspace() for c in text) or "/" in text.split("?")[0].rstrip("/"):
        raise ConfigError(f"not a domain or URL: {text!r}")
    return f"https://{text.rstrip('/')}/"


def parse_lines(lines: Iterable[str], origin: str = "sites") -> list[str]:
    """Sites from lines of a sites file (plain or `rank,domain`)."""
    out = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("http") else raw.strip()
        if not line:
            continue
        if "," in line and "://" not in line:
            fields = [f.strip() for f in line.split(",")]
            if any(f.lower() in ("domain", "site", "url") for f in fields):
                continue  # a header row
            line = fields[1] if len(fields) > 1 and fields[0].isdigit() else fields[0]
            if not line:
                continue
        if len(line) > MAX_SITE:
            raise ConfigError(f"{origin}:{number}: the line is too long")
        try:
            out.append(site_url(line))
        except ConfigError as exc:
            raise ConfigError(f"{origin}:{number}: {exc}") from None
    return out


def read_sites(urls: Iterable[str], sites_file: str | None) -> list[str]:
    """The sites in order, each once."""
    sites = [site_url(u) for u in urls]
    if sites_file:
        path = Path(sites_file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the sites file: {exc}") from None
        sites += parse_lines(text.splitlines(), str(path))
    return list(dict.fromkeys(sites))


def site_id(site: str) -> str:
    """A readable, unique, file-system-safe name: host (and port), plus a short hash."""
    parts = urlsplit(site)
    host = (parts.hostname or "site") + (f"_{parts.port}" if parts.port else "")
    digest = hashlib.sha256(site.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{_SAFE.sub('_', host)[:80]}-{digest}"
