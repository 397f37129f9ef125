"""Page globs: which page URLs a policy entry is about.

A glob names a URL path (`/patient/**`), or a host and a path (`clinic.example/oncology/**`).
`**` spans any number of path segments, `*` stays within one, `?` is one character and
`[...]` a character class, as in shell and gitignore patterns; a trailing `/**` also matches
the directory itself (`/patient`). A host matches itself and its subdomains, case-insensitively
(`clinic.example` covers `www.clinic.example`); `*` works in hosts too. The query string and
fragment are never part of the match (a policy is about pages, not their parameters), and a
trailing slash does not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

MAX_GLOB = 512


class GlobError(ValueError):
    """A glob that cannot be used; the message says why."""


@dataclass(frozen=True)
class PageGlob:
    """A compiled page glob."""

    text: str
    host: re.Pattern[str] | None
    path: re.Pattern[str]

    def matches(self, url: str | None) -> bool:
        """Does the page at `url` (absolute, or a bare path) fall under this glob?"""
        if not url:
            return False
        host, path = _host_and_path(url)
        if self.host is not None and (host is None or not self.host.fullmatch(host)):
            return False
        if len(path) > 1:
            path = path.rstrip("/") or "/"
        return bool(self.path.fullmatch(path))


def compile_glob(text: str) -> PageGlob:
    """Compile `text`, or raise `GlobError` saying what is wrong with it."""
    return _compile(text)


@lru_cache(maxsize=1024)
def _compile(text: str) -> PageGlob:
    if not isinstance(text, str) or not text.strip():
        raise GlobError("a page glob must be a non-empty string")
    if len(text) > MAX_GLOB:
        raise GlobError(f"a page glob is at most {MAX_GLOB} characters")
    if "#" in text:
        raise GlobError("a page glob matches the URL path: leave out the fragment")
    if "://" in text:
        raise GlobError("write the host without a scheme: `clinic.example/oncology/**`")
    if text.startswith("/"):
        host_part, path_part = None, text
    else:
        host_part, slash, rest = text.partition("/")
        if "." not in host_part and host_part != "localhost" and "*" not in host_part:
            raise GlobError("a page glob starts with `/` (a path) or with a host name")
        path_part = "/" + rest if slash else "/**"
    host = _host_pattern(host_part.lower()) if host_part is not None else None
    return PageGlob(text, host, re.compile(_path_regex(path_part)))


def _host_pattern(host: str) -> re.Pattern[str]:
    if not re.fullmatch(r"[a-z0-9*.\-\[\]:]+", host):
        raise GlobError(f"{host!r} is not a host name")
    body = _translate(host, segment="[^.]")
    return re.compile(rf"(?:[^/]*\.)?{body}" if not host.startswith("*") else body)


def _path_regex(path: str) -> str:
    if len(path) > 1 and path.endswith("/") and not path.endswith("**/"):
        path = path.rstrip("/") or "/"  # `/shop/` and `/shop` are the same page
    if path.endswith("/**"):  # the directory itself, and everything under it
        return _translate(path[:-3], segment="[^/]") + r"(?:/.*)?"
    return _translate(path, segment="[^/]")


def _translate(glob: str, segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append(f"{segment}*")
        elif char == "?":
            out.append(segment)
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end < 0:
                raise GlobError(f"unclosed `[` at position {i + 1}")
            inner = glob[i + 1 : end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        elif char == "]":
            raise GlobError(f"unmatched `]` at position {i + 1}")
        else:
            out.append(re.escape(char))
        i += 1
    regex = "".join(out)
    try:
        re.compile(regex)
    except re.error as exc:
        raise GlobError(f"invalid pattern: {exc}") from None
    return regex


def _host_and_path(url: str) -> tuple[str | None, str]:
    if url.startswith("/"):
        return None, url.split("?", 1)[0].split("#", 1)[0] or "/"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".") or None
    except ValueError:
        return None, "/"
    return host, parts.path or "/"
