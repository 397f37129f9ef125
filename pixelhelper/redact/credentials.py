"""The one credential filter: secrets in captured traffic never leave the process.

Captured requests carry access tokens, OAuth codes, signed-URL signatures, API keys and session
ids, in query strings, fragments, redirect URLs nested (and percent-encoded) inside other URLs,
relative URLs, JSON keys and free text. Reports are pasted into tickets and public CI logs, so
every value whose *name* says it is a secret is withheld wherever it appears, in every format,
whatever `--show-values` says. Names are judged by their words (`x-access-token`, `api_token`,
`csrfToken`) plus a few short names that are secrets only on their own (`code`, `sid`, `auth`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

CREDENTIAL = "<redacted credential>"

# A name holding any of these words is a secret: `refresh_token`, `X-Api-Secret`, `passwd`.
_SECRET_WORDS = frozenset(
    {
        "token", "tokens", "secret", "secrets", "password", "passwd", "pwd", "passphrase",
        "passcode", "signature", "credential", "credentials", "authorization", "auth", "bearer",
        "jwt", "apikey", "sessionid", "sessid", "phpsessid", "jsessionid", "csrf", "xsrf",
        "otp", "privatekey", "accesskey", "secretkey", "oauth",
    }
)  # fmt: skip
# Names that are secrets only when they are the whole name (`code=`, `sid=`, `session=`).
_SECRET_NAMES = frozenset(
    {
        "code", "sid", "session", "sig", "pin", "cookie", "setcookie", "ticket", "nonce",
        "samlresponse", "samlrequest", "assertion", "cvv", "cvc", "cvv2", "cvc2",
        "securitycode", "verificationcode", "authcode", "otpcode",
    }
)  # fmt: skip
# ...and words that make `key` a secret: `api_key`, `access-key`, `client_key`.
_KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "client", "signing", "license"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_CLOUD_PREFIXES = ("x-amz-", "x_amz_", "x-goog-", "x_goog_")


# Every secret name holds one of these (checked in C first: a URL with a million parameters
# asks about a million names, nearly none of them secret, and the cache cannot hold them).
_MAYBE_SECRET = re.compile(
    r"token|secret|pass|pwd|sig|cred|auth|bearer|jwt|key|sess|csrf|xsrf|otp|code|sid|pin"
    r"|cookie|ticket|nonce|saml|assertion|cvv|cvc|amz|goog",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """True for a parameter, key or header name whose value is a credential."""
    return _MAYBE_SECRET.search(name) is not None and _is_secret_name(name)


@lru_cache(maxsize=4096)
def _is_secret_name(name: str) -> bool:
    lowered = name.strip().lower()
    if not lowered:
        return False
    if lowered.startswith(_CLOUD_PREFIXES):
        return True  # AWS/GCS signed URLs: X-Amz-Signature, X-Amz-Credential, X-Goog-...
    words = [w for w in _NON_WORD.split(_CAMEL.sub("_", name.strip()).lower()) if w]
    joined = "".join(words)
    if joined in _SECRET_NAMES or joined in _SECRET_WORDS:
        return True
    if any(word in _SECRET_WORDS for word in words):
        return True
    if "key" in words and _KEY_QUALIFIERS.intersection(words):
        return True
    return joined.endswith(("token", "secret", "password", "apikey", "sessionid", "signature"))


# name=value pairs in URLs and text, any number of percent-encodings deep (= %3D %253D ...).
# Only the name and separator are matched, so a pair nested inside another pair's value (a
# redirect URL's own query) is found too; the value runs to the next delimiter.
_PAIR = re.compile(
    r"(?:^|(?<=[?&#;\s\"'(,/])|(?<=%3[fF])|(?<=%26)|(?<=%23)|(?<=%253[fF])|(?<=%2526)|(?<=%2523))"
    r"(?P<name>[A-Za-z_][\w.\-\[\]]{0,63})(?P<sep>=|%(?:25)*3[dD])"
)
_VALUE_END = re.compile(r"&|%(?:25)*26|#|%(?:25)*23|[\s\"'<>;,]")
# "name": "value" in JSON text, also when the JSON is itself escaped inside a string
_JSON_PAIR = re.compile(
    r"(?P<q>\\*[\"'])(?P<name>[^\"'\\]{1,64})(?P=q)\s*:\s*(?P<vq>\\*[\"'])(?P<value>(?:(?!(?P=vq)).)*)(?P=vq)"
)
# name: value in free text ("token: abc", "Authorization: Bearer x", "password = hunter2")
_COLON_PAIR = re.compile(
    r"(?P<name>[A-Za-z_][\w\-]{0,63})(?P<sep>\s*[:=]\s*)"
    r"(?P<value>(?:(?:Bearer|Basic|Digest|Token)\s+)?[^\s\"'<>;,&]+)"
)
# the password of a URL's user part: scheme://user:PASSWORD@host
_USERINFO = re.compile(r"(//[^/?#@\s:]*:)[^/?#@\s]+@")
# bare credentials whose shape gives them away
_SHAPES = re.compile(
    r"\b(?:Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/\-]{6,}=*"
    r"|\beyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"  # JWT
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key id
    r"|\bAIza[0-9A-Za-z_-]{35}\b"  # Google API key
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    re.IGNORECASE,
)
_SHAPE_HINTS = ("bearer", "basic", "digest", "token", "eyj", "akia", "asia", "-----begin")
# Text without any of these holds nothing a pass could match (`3d`: a percent-encoded `=`).
_HINTS = ("=", ":", "3d", *_SHAPE_HINTS)
_ANY_HINT = re.compile("|".join(map(re.escape, _HINTS)), re.IGNORECASE)


def _pair(match: re.Match[str]) -> str:
    if not is_secret_name(unquote_plus(match.group("name"))):
        return match.group(0)
    start, end = match.span("value")
    base = match.start()
    whole = match.group(0)
    return whole[: start - base] + CREDENTIAL + whole[end - base :]


def _scrub_pairs(text: str) -> str:
    spans: list[tuple[int, int]] = []
    for match in _PAIR.finditer(text):
        if not is_secret_name(unquote_plus(match.group("name"))):
            continue
        start = match.end()
        end_match = _VALUE_END.search(text, start)
        end = end_match.start() if end_match else len(text)
        if end > start and not (spans and start < spans[-1][1]):
            spans.append((start, end))
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], CREDENTIAL]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _scrub_once(text: str, lowered: str) -> str:
    """The four passes, each only over text that holds a literal its pattern needs (a
    replacement adds none): most strings, timestamps and plain URLs, skip most of them.

    Non-ASCII text runs them all: case-insensitive matching folds characters (`ſ`, the
    Kelvin sign) that `str.lower` leaves alone.
    """
    every = not text.isascii()
    out = text
    if every or any(hint in lowered for hint in _SHAPE_HINTS):
        out = _SHAPES.sub(CREDENTIAL, out)
    equals = every or "=" in lowered
    if equals or "3d" in lowered:
        out = _scrub_pairs(out)
    colon = every or ":" in lowered
    if colon and "@" in lowered and "//" in lowered:  # http://user:password@host/
        out = _USERINFO.sub(lambda m: m.group(1) + CREDENTIAL + "@", out)
    if colon and ('"' in lowered or "'" in lowered):
        out = _JSON_PAIR.sub(_pair, out)
    if colon or equals:
        out = _COLON_PAIR.sub(_pair, out)
    return out


def scrub_text(text: str) -> str:
    """Withhold every credential in a string: URL (absolute, relative, nested, encoded), JSON
    text, or free text. A percent-encoded string that hides a secret is shown decoded."""
    shown = _TEXTS.get(text)
    if shown is None:
        shown = _scrub(text, 0)
        if len(text) <= _MEMO_TEXT:
            _remember(_TEXTS, text, shown)
    return shown


# Payloads repeat the same keys and strings hit after hit, and every printed event is
# scrubbed whole: plain dicts, looked up inline, are the cheapest memo (an `lru_cache` call
# per key and value was most of a report's time). Cleared when full, so bounded.
_MEMO_TEXT = 4096  # longer strings are scrubbed every time
_MEMO_SIZE = 65536
_TEXTS: dict[str, str] = {}
# parent -> key -> (shown, secret, name): one lookup per dict, then one per key
_KEYS: dict[str, dict[str, tuple[str, bool, str]]] = {}
_key_count = 0


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _hinted(text: str, lowered: str) -> bool:
    if text.isascii():
        return any(hint in lowered for hint in _HINTS)
    return _ANY_HINT.search(text) is not None  # folding as the passes' IGNORECASE does


def _scrub(text: str, _level: int) -> str:
    lowered = text.lower()
    if not _hinted(text, lowered):
        return text
    out = _scrub_once(text, lowered)
    if _level < 3 and "%" in out:  # redirect URLs nest inside query values, encoded once more
        decoded = unquote_plus(out)
        deeper = _scrub(decoded, _level + 1)
        if deeper != decoded:
            return deeper
    return out


def scrub(node: Any, parent: str = "") -> Any:
    """Withhold credentials in a JSON-able value taken from traffic: values under secret keys,
    and secrets inside any string. The pixel code (`pixel.code`) is not a secret."""
    if isinstance(node, str):
        return scrub_text(node)
    if isinstance(node, dict):
        return _scrub_dict(node, parent)
    if isinstance(node, list):
        return [scrub(item, parent) for item in node]
    return node


def _scrub_dict(node: dict[Any, Any], parent: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    texts = _TEXTS
    keys = _KEYS.get(parent) or {}
    for key, value in node.items():  # the usual leaves inline, without another call
        entry = keys.get(key)
        if entry is None:
            entry = _key_entry(key, parent)
        shown, secret, lowered = entry
        if secret and _withheld(value):
            out[shown] = CREDENTIAL
        elif isinstance(value, str):
            text = texts.get(value)
            out[shown] = scrub_text(value) if text is None else text
        elif isinstance(value, dict):
            out[shown] = _scrub_dict(value, lowered)
        elif isinstance(value, list):
            out[shown] = [scrub(item, lowered) for item in value]
        else:
            out[shown] = value
    return out


def _key_entry(key: Any, parent: str) -> tuple[Any, bool, str]:
    """How a dict key is shown, whether its value is a secret, and its name for children."""
    name = key if isinstance(key, str) else str(key)
    shown = scrub_text(key) if isinstance(key, str) else key
    global _key_count
    entry = (shown, is_secret_field(name, parent), name.lower())
    if isinstance(key, str) and len(key) <= 256 and len(parent) <= 256:
        if _key_count >= _MEMO_SIZE:
            _KEYS.clear()
            _key_count = 0
        _KEYS.setdefault(parent, {})[key] = entry
        _key_count += 1
    return entry


def _withheld(value: Any) -> bool:
    """A secret-named value is withheld unless it is empty, null or a boolean."""
    return not (
        value is None
        or isinstance(value, bool)
        or (not value and isinstance(value, str | list | dict))
    )


def is_secret_field(name: str, parent: str = "") -> bool:
    """A secret-named field, except the pixel's own code (`pixel.code`)."""
    return is_secret_name(name) and not (name.lower() == "code" and parent.lower() == "pixel")


_SECRET_HEADERS = frozenset({"cookie", "set-cookie", "proxy-authorization"})


def scrub_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header pairs as they may be shown: secret-named headers (Authorization, Access-Token,
    X-Api-Key...) withheld, Cookie keeping only the pixel's own cookies, the rest scrubbed."""
    from pixelhelper.cookies import reportable_cookies

    out = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "cookie":
            kept = reportable_cookies([value])
            shown = "; ".join(f"{k}={v}" for k, v in kept.items())
        elif lowered in _SECRET_HEADERS or is_secret_name(name):
            shown = CREDENTIAL
        else:
            shown = scrub_text(value)
        out.append((name, shown))
    return out
