"""Page globs: which page URLs a policy entry is about.

A glob names a URL path (`/patient/**`), or a host and a path (`clinic.example/oncology/**`).
`**` spans any number of path segments, `*` stays within one, `?` is one character and
`[...]` a character class, as in shell and gitignore patterns; a trailing `/**` also matches
the directory itself (`/patient`). A host matches itself and its subdomains, case-insensitively
(`clinic.example` covers `www.clinic.example`); `*` works in hosts too. The query string and
fragment are never part of the match (a policy is about pages, not their parameters), and a
trailing slash does not matter.

Both sides are normalised before they meet, so a policy cannot be walked around by spelling
the same page differently: percent-escapes are decoded (`/sant%C3%A9` is `/santé`, `/%70atient`
is `/patient`), text is Unicode NFC, runs of slashes are one (`//patient`) and dot segments are
resolved (`/a/../patient`). Globs are compiled for RE2 (google-re2), which matches in time
linear in the path whatever the glob, so no pattern can stall a policy check (runs of `*` are
collapsed as well).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import re2

MAX_GLOB = 512
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is our GlobError, not a line on stderr


class GlobError(ValueError):
    """A glob that cannot be used; the message says why."""


@dataclass(frozen=True)
class PageGlob:
    """A compiled page glob."""

    text: str
    host: Any | None  # compiled RE2 patterns
    path: Any

    def matches(self, url: str | None) -> bool:
        """Does the page at `url` (absolute, or a bare path) fall under this glob?"""
        if not url:
            return False
        host, path = _host_and_path(url)
        if self.host is not None and (host is None or not self.host.fullmatch(host)):
            return False
        path = normal_path(path)
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
    host = _host_pattern(_ascii_host(host_part)) if host_part is not None else None
    return PageGlob(text, host, _re2(_path_regex(normal_path(path_part, glob=True))))


def _re2(regex: str) -> Any:
    try:
        return re2.compile(regex, options=_RE2_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise GlobError(f"invalid pattern: {detail}") from None


def _ascii_host(host: str) -> str:
    """A host as URLs carry it: lower case, an international name in its IDNA form."""
    host = unicodedata.normalize("NFC", host).lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return ".".join(
            label if label.isascii() or "*" in label else label.encode("idna").decode("ascii")
            for label in host.split(".")
        )
    except UnicodeError:
        raise GlobError(f"{host!r} is not a host name") from None


def _host_pattern(host: str) -> Any:
    if not re.fullmatch(r"[a-z0-9*.\-\[\]:]+", host):
        raise GlobError(f"{host!r} is not a host name")
    body = _translate(host, segment="[^.]")
    return _re2(rf"(?:[^/]*\.)?{body}" if not host.startswith("*") else body)


_SLASHES = re.compile(r"/{2,}")


def normal_path(path: str, glob: bool = False) -> str:
    """A URL path as the server sees the page: percent-escapes decoded (once, as a server
    does), Unicode NFC, runs of slashes collapsed and dot segments resolved. For a glob
    (`glob=True`) the dot segments stay: `..` there is text to match, not a step up."""
    if "%" in path:
        path = unquote(path, errors="replace")
    if not path.isascii():
        path = unicodedata.normalize("NFC", path)
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if not glob and "/." in path:
        path = _without_dot_segments(path)
    return path


def _without_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 on a path of segments (`/a/./b/../c` -> `/a/c`)."""
    out: list[str] = []
    segments = path.split("/")
    for segment in segments[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    trailing = segments[-1] in (".", "..")
    return "/" + "/".join(out) + ("/" if trailing and out else "")


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
        if glob.startswith("**", i):  # any run of two or more stars: one `.*`
            while i < len(glob) and glob[i] == "*":
                i += 1
            if out and out[-1] == ".*":
                continue
            out.append(".*")
            continue
        if char == "*":
            if out and out[-1] in (".*", f"{segment}*"):  # `a/**` then `*`: no new work
                i += 1
                continue
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
            out.append(_literal(char))
        i += 1
    regex = "".join(out)
    _re2(regex)
    return regex


def _literal(char: str) -> str:
    """One character as RE2 reads it literally (RE2 rejects some of Python's escapes)."""
    return "\\" + char if char.isascii() and not char.isalnum() and char != " " else char


def _host_and_path(url: str) -> tuple[str | None, str]:
    if url.startswith("/"):
        return None, url.split("?", 1)[0].split("#", 1)[0] or "/"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".") or None
    except ValueError:
        return None, "/"
    return host, parts.path or "/"


MAX_FIELD_GLOB = 300


@dataclass(frozen=True)
class FieldGlob:
    """A compiled glob on a finding's location (`properties.contents[*].content_name`)."""

    text: str
    pattern: Any

    def matches(self, location: str | None) -> bool:
        """Does the finding's location fall under this glob?"""
        return location is not None and bool(self.pattern.fullmatch(location))


@lru_cache(maxsize=256)
def compile_field_glob(text: str) -> FieldGlob:
    """A location glob: `*` stands for any characters but `.` (one key, or one index such as
    `[0]`), `**` for any characters; everything else is literal (`[`, `]`, `?` included, as
    locations use them). Raises `GlobError` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise GlobError("a field glob must be a non-empty string")
    if len(text) > MAX_FIELD_GLOB:
        raise GlobError(f"a field glob is at most {MAX_FIELD_GLOB} characters")
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("**", i):
            while i < len(text) and text[i] == "*":
                i += 1
            out.append(".*")
            continue
        out.append("[^.]*" if text[i] == "*" else _literal(text[i]))
        i += 1
    return FieldGlob(text, _re2("".join(out)))
