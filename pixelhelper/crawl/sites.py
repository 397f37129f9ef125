"""The sites to crawl: URLs or bare domains, from the command line or a file.

A file holds one site a line; `#` comments and blank lines are ignored, and a Tranco-style
`rank,domain` CSV works too. A bare domain means its home page over HTTPS. Each site gets a
file-system-safe id for its capture and report names.

A site is checked whole before any work starts (scheme, host, port), so a typo is a usage
error naming it, not a crash once the cluster is up. A site URL may carry credentials
(`user:pass@`, a token or an email in its query): `shown_site` is the form that is printed
and stored in `results.jsonl`, with them withheld.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from pixelhelper.errors import ConfigError

_SAFE = re.compile(r"[^A-Za-z0-9.-]+")
_HOST = re.compile(r"[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\]")
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
MAX_SITE = 2048
MAX_SITES_BYTES = 256 << 20


def site_url(text: str) -> str:
    """`example.com` -> `https://example.com/`; a URL stays as given.

    Raises:
        ConfigError: not an http(s) site with a host and a valid port.
    """
    text = text.strip()
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        raise ConfigError(f"not a domain or URL: {text!r}")
    if "://" not in text:
        if "/" in text.split("?")[0].rstrip("/"):
            raise ConfigError(f"not a domain or URL: {text!r}")
        text = f"https://{text.rstrip('/')}/"
    try:
        parts = urlsplit(text)
        host, _port = parts.hostname, parts.port  # the port is parsed (and checked) lazily
    except ValueError as exc:
        raise ConfigError(f"not a web site: {shown_site(text)!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"not a web site: {shown_site(text)!r}")
    bare = parts.netloc.rsplit("@", 1)[-1]
    name = bare[: bare.find("]") + 1] if bare.startswith("[") else bare.rsplit(":", 1)[0]
    if not _HOST.fullmatch(name) or name.startswith(".") or ".." in name:
        raise ConfigError(f"not a host name in {shown_site(text)!r}")
    return text


def shown_site(site: str) -> str:
    """The site as printed and stored: credentials in the user part or the query, and emails,
    withheld."""
    from pixelhelper.redact import mask, scrub_text

    try:
        parts = urlsplit(site)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = "***@" + netloc.rsplit("@", 1)[1]
        site = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        site = re.sub(r"//[^/@]*@", "//***@", site)
    return _EMAIL.sub(lambda m: mask(unquote(m.group(0)), "email"), scrub_text(site))


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
        from pixelhelper.documents import read_text

        path = Path(sites_file)
        text = read_text(path, "sites file", MAX_SITES_BYTES, encoding="utf-8-sig")
        sites += parse_lines(text.splitlines(), str(path))
    return list(dict.fromkeys(sites))


def site_id(site: str) -> str:
    """A readable, unique, file-system-safe name: host (and port), plus a short hash."""
    parts = urlsplit(site)
    host = (parts.hostname or "site") + (f"_{parts.port}" if parts.port else "")
    digest = hashlib.sha256(site.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{_SAFE.sub('_', host)[:80]}-{digest}"
